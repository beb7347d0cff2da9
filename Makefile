# cusdoc — make help lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help convention extraits check docs test test-lent lint golden bench reference geographie clean

help: ## Affiche cette aide
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# Bytecode written once: every command starts faster, even where PYTHONDONTWRITEBYTECODE is set.
	$(BIN)/python -m compileall -q cusdoc
	@touch $(STAMP)

convention: $(STAMP) ## Vérifie le contenu puis produit la convention (DOCX, PDF) et build/indicateurs.xlsx
	$(BIN)/cusdoc build

extraits: $(STAMP) ## Produit l'extrait de chaque partenaire dans build/extraits/ (vérifié contre les fuites)
	$(BIN)/cusdoc extrait --tous

check: $(STAMP) ## Vérifie le contenu (content/) sans rien produire
	$(BIN)/cusdoc check

test: lint ## Lance les vérifications de style puis les tests (sauf les plus lents), sur deux processus
	$(BIN)/pytest -q -n 2 -m "not slow"

test-lent: $(STAMP) ## Lance les tests les plus lents (extraits de l'exemple, paquet installé, LibreOffice)
	$(BIN)/pytest -q -n 2 -m slow

lint: $(STAMP) ## Vérifie le style du code (ruff)
	$(BIN)/ruff check cusdoc tests bench scripts
	$(BIN)/ruff format --check cusdoc tests bench scripts

golden: $(STAMP) ## Régénère le Markdown de référence des tests (tests/golden/)
	$(BIN)/python -m tests.regenerate_golden

bench: $(STAMP) ## Mesure les cibles de temps : production, vérification, extraits, indicateurs
	$(BIN)/python bench/run.py

reference: $(STAMP) ## Régénère le document Word de référence (cusdoc/templates/reference.docx)
	$(BIN)/python scripts/make_reference_docx.py cusdoc/templates/reference.docx

docs: $(STAMP) ## Construit le site de documentation (build/site/), sans aucun avertissement
	$(BIN)/python scripts/make_docs.py
	$(BIN)/mkdocs build --strict --site-dir build/site

geographie: $(STAMP) ## Régénère la géographie officielle (cusdoc/data/) depuis @etalab/decoupage-administratif
	$(BIN)/python scripts/make_geographie.py cusdoc/data

clean: ## Supprime build/ et l'environnement .venv
	rm -rf build $(VENV)
