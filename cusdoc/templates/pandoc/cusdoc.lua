-- cusdoc's pandoc filter: the Markdown conventions of templates/*.md.j2 → native pandoc blocks.
--   ::: {.tableau largeurs="3,1,1" alignements="g,d,d"}   caption paragraph, then a bullet list
--                                                         of rows (each row a bullet list of cells)
--   ::: {.source}                                         the source line under a table
--   ::: {.signatures}                                     a bullet list of signature blocks
--   ::: {.saut-de-page}                                   a page break

local ALIGN = { g = pandoc.AlignLeft, d = pandoc.AlignRight, c = pandoc.AlignCenter }

local function split(text)
  local out = {}
  for item in string.gmatch(text or '', '[^,]+') do table.insert(out, item) end
  return out
end

local function row(item)
  local cells = {}
  for _, blocks in ipairs(item[1].content) do table.insert(cells, pandoc.Cell(blocks)) end
  return pandoc.Row(cells)
end

local function tableau(div)
  local caption, rows = {}, nil
  for _, block in ipairs(div.content) do
    if block.t == 'BulletList' then rows = block else caption = { block } end
  end
  local ncols = #rows.content[1][1].content
  local widths, aligns = split(div.attributes.largeurs), split(div.attributes.alignements)
  local total = 0
  for i = 1, ncols do total = total + tonumber(widths[i] or 1) end
  local specs = {}
  for i = 1, ncols do
    specs[i] = { ALIGN[aligns[i]] or pandoc.AlignLeft, tonumber(widths[i] or 1) / total }
  end
  local body = {}
  for i = 2, #rows.content do table.insert(body, row(rows.content[i])) end
  return pandoc.Table(pandoc.Caption(caption), specs, pandoc.TableHead({ row(rows.content[1]) }),
    { { attr = pandoc.Attr(), body = body, head = {}, row_head_columns = 0 } }, pandoc.TableFoot())
end

-- Room to sign, between the signatory's title and name.
local function with_room(item)
  local room = FORMAT == 'typst' and pandoc.RawBlock('typst', '#v(2.2cm)')
    or pandoc.RawBlock('openxml', string.rep('<w:p/>', 4))
  local out = {}
  for i, b in ipairs(item) do
    if i == #item then table.insert(out, room) end
    table.insert(out, b)
  end
  return out
end

local function signatures(div)
  local blocks = div.content[1].content
  for i, item in ipairs(blocks) do blocks[i] = with_room(item) end
  if FORMAT == 'typst' then
    local out = { pandoc.RawBlock('typst', '#grid(columns: (1fr, 1fr), column-gutter: 1.5cm, row-gutter: 1.2cm,') }
    for _, item in ipairs(blocks) do
      table.insert(out, pandoc.RawBlock('typst', 'block(breakable: false)['))
      for _, b in ipairs(item) do table.insert(out, b) end
      table.insert(out, pandoc.RawBlock('typst', '],'))
    end
    table.insert(out, pandoc.RawBlock('typst', ')'))
    return out
  end
  local cells, rows = {}, {}
  for _, item in ipairs(blocks) do
    table.insert(cells, pandoc.Cell(item))
    if #cells == 2 then table.insert(rows, pandoc.Row(cells)); cells = {} end
  end
  if #cells == 1 then
    table.insert(cells, pandoc.Cell({})); table.insert(rows, pandoc.Row(cells))
  end
  local specs = { { pandoc.AlignDefault, 0.5 }, { pandoc.AlignDefault, 0.5 } }
  return pandoc.Table(pandoc.Caption({}), specs, pandoc.TableHead({}),
    { { attr = pandoc.Attr(), body = rows, head = {}, row_head_columns = 0 } }, pandoc.TableFoot(),
    pandoc.Attr('', {}, { { 'custom-style', 'Signatures' } }))
end

local function source(div)
  if FORMAT == 'typst' then
    return { pandoc.RawBlock('typst', '#block(above: 0.4em)[#set text(size: 8.5pt, style: "italic")'),
      table.unpack(div.content), pandoc.RawBlock('typst', ']') }
  end
  div.attributes['custom-style'] = 'Source'
  return div
end

local function saut_de_page()
  if FORMAT == 'typst' then return pandoc.RawBlock('typst', '#pagebreak()') end
  return pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
end

function Div(div)
  if div.classes:includes('tableau') then return tableau(div) end
  if div.classes:includes('signatures') then return signatures(div) end
  if div.classes:includes('source') then return source(div) end
  if div.classes:includes('saut-de-page') then return saut_de_page() end
end
