-- cusdoc's pandoc filter: the Markdown conventions of templates/*.md.j2 → native pandoc blocks.
--   ::: {.tableau largeurs="3,1,1" alignements="g,d,d"}   caption paragraph, then a bullet list
--                                                         of rows (each row a bullet list of cells)
--   ::: {.source}                                         the source line under a table
--   ::: {.signatures}                                     a bullet list of signature blocks
--   ::: {.saut-de-page}                                   a page break
-- In Typst, every table becomes a call of `tableau()` (templates/typst/convention.typ) with its
-- caption and its source, which that function keeps together; a table without a caption is no
-- figure there, so that only captioned tables are numbered, as in the DOCX.

local ALIGN = { g = pandoc.AlignLeft, d = pandoc.AlignRight, c = pandoc.AlignCenter }
local TYPST_ALIGN = { AlignLeft = 'left', AlignRight = 'right', AlignCenter = 'center' }
-- A table is kept whole on one page when it has at most SHORT_ROWS rows and no cell longer
-- than SHORT_CELL characters: the same rule as SHORT_ROWS and SHORT_CELL in export/docx.py.
local SHORT_ROWS, SHORT_CELL = 25, 150
-- A row breaks across pages only when one of its cells is longer than TALL_CELL characters
-- (TALL_CELL in export/docx.py): other rows never split.
local TALL_CELL = 1500

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

-- Typst markup of blocks, as a content block: [ … ].
local function typst(blocks)
  local text = pandoc.write(pandoc.Pandoc(blocks), 'typst', { wrap_text = 'none' })
  return '[' .. (text:gsub('^%s+', ''):gsub('%s+$', '')) .. ']'
end

-- The content blocks of many cells, written by one call of the Typst writer (one call per cell
-- would take seconds for the annex): cells are separated by a marker, then split apart.
local MARK = '%%cusdoc-cell%%'
local function typst_cells(cells)
  local blocks = {}
  for _, cell in ipairs(cells) do
    for _, b in ipairs(cell.contents) do table.insert(blocks, b) end
    table.insert(blocks, pandoc.RawBlock('typst', MARK))
  end
  local text = pandoc.write(pandoc.Pandoc(blocks), 'typst', { wrap_text = 'none' })
  local out, start = {}, 1
  while true do
    local at = text:find(MARK, start, true)
    if not at then break end
    local piece = text:sub(start, at - 1):gsub('^%s+', ''):gsub('%s+$', '')
    table.insert(out, '[' .. piece .. ']')
    start = at + #MARK
  end
  return out
end

local function typst_table(tbl, source)
  local columns, aligns = {}, {}
  for _, spec in ipairs(tbl.colspecs) do
    local width = spec[2]
    table.insert(columns, type(width) == 'number' and string.format('%.3f%%', width * 100) or 'auto')
    table.insert(aligns, TYPST_ALIGN[spec[1]] or 'left')
  end
  -- shape: number of cells of each row, header first; tall: whether the row may break
  local cells, shape, tall, longest = {}, {}, {}, 0
  local function add(r)
    local row_longest = 0
    for _, cell in ipairs(r.cells) do
      table.insert(cells, cell)
      row_longest = math.max(row_longest, utf8.len(pandoc.utils.stringify(cell.contents)) or 0)
    end
    table.insert(shape, #r.cells)
    table.insert(tall, row_longest > TALL_CELL)
    longest = math.max(longest, row_longest)
  end
  local head = #tbl.head.rows > 0 and tbl.head.rows[1] or nil  -- one header row at most here
  if head then add(head) end
  longest = 0  -- a long header wraps, it does not make the table long
  for _, body in ipairs(tbl.bodies) do
    for _, r in ipairs(body.body) do add(r) end
  end
  local written, rows, k = typst_cells(cells), {}, 0
  for i, n in ipairs(shape) do
    local row = {}
    for _ = 1, n do
      k = k + 1
      table.insert(row, (tall[i] and 'table.cell(breakable: true)' or '') .. written[k] .. ',')
    end
    table.insert(rows, '(' .. table.concat(row, ' ') .. ')')
  end
  local header = head and table.remove(rows, 1) or '()'
  local args = {
    'columns: (' .. table.concat(columns, ', ') .. ',)',
    'aligns: (' .. table.concat(aligns, ', ') .. ',)',
    'header: ' .. header,
    'rows: (' .. table.concat(rows, ',\n    ') .. (#rows > 0 and ',)' or ')'),
    'court: ' .. tostring(#rows <= SHORT_ROWS and longest <= SHORT_CELL),
  }
  if #tbl.caption.long > 0 then table.insert(args, 'caption: ' .. typst(tbl.caption.long)) end
  if source then table.insert(args, 'source: ' .. typst(source)) end
  return pandoc.RawBlock('typst', '#tableau(\n  ' .. table.concat(args, ',\n  ') .. ',\n)')
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

-- A source line that follows no table (in Typst, a table's source goes into tableau()).
local function source(div)
  if FORMAT == 'typst' then
    return { pandoc.RawBlock('typst', '#block(above: 0.4em)[#set text(size: 8.5pt, style: "italic")'),
      table.unpack(div.content), pandoc.RawBlock('typst', ']') }
  end
  div.attributes['custom-style'] = 'Source'
  return { div }
end

local function saut_de_page()
  if FORMAT == 'typst' then return pandoc.RawBlock('typst', '#pagebreak()') end
  return pandoc.RawBlock('openxml', '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
end

local function is_source(block)
  return block and block.t == 'Div' and block.classes:includes('source')
end

-- Second pass, once the divs are tables: each table with the source line that follows it.
local function tables_and_sources(blocks)
  local out, i = pandoc.Blocks({}), 1
  while i <= #blocks do
    local block, after = blocks[i], blocks[i + 1]
    if block.t == 'Table' and FORMAT == 'typst' then
      out:insert(typst_table(block, is_source(after) and after.content or nil))
      if is_source(after) then i = i + 1 end
    elseif is_source(block) then
      out:extend(source(block))
    else
      out:insert(block)
    end
    i = i + 1
  end
  return out
end

local function divs(div)
  if div.classes:includes('tableau') then return tableau(div) end
  if div.classes:includes('signatures') then return signatures(div) end
  if div.classes:includes('saut-de-page') then return saut_de_page() end
end

return { { Div = divs }, { Blocks = tables_and_sources } }
