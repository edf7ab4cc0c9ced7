-- The risk map as a page (实时风险预警图), for tools/risk-map: one static
-- HTML document with an inline SVG of the units at one level under a unit,
-- each filled with its warning colour, a legend of the thresholds in force
-- at that level, and the day's figures.  psql variables: under (a
-- gridcode), level (1 to 7), as_of (a timestamptz).  Nothing but the
-- page is printed (run it with psql -At).
SET search_path = gridgov, public;

WITH params AS (
    SELECT :'under'::gridcode AS under, :'level'::integer AS level, :'as_of'::timestamptz AS as_of
), palette (color, fill, label) AS (
    VALUES ('blue', '#2f6fd6', '蓝 blue'), ('yellow', '#f2c40f', '黄 yellow'),
           ('orange', '#f28c28', '橙 orange'), ('red', '#d62f2f', '红 red')
), units AS (
    SELECT u.code::text AS code, u.name,
           COALESCE(s.score, 0) AS score, COALESCE(s.cases, 0) AS cases,
           risk_color(COALESCE(s.score, 0), p.level) AS color,
           -- Web Mercator, so that the map keeps the shapes a person knows
           ST_Transform(u.boundary, 3857) AS shape
      FROM params p
      JOIN unit u ON u.code <@ p.under AND u.level = p.level AND unit_is_current(u)
                 AND in_routing_layer(u.level, u.layer)
                 AND u.boundary IS NOT NULL
      LEFT JOIN risk_scores(p.under, p.as_of, p.level) s ON s.unit = u.code
), frame AS (
    SELECT ST_XMin(e) AS x, ST_YMax(e) AS y,
           GREATEST(ST_XMax(e) - ST_XMin(e), 1) AS w, GREATEST(ST_YMax(e) - ST_YMin(e), 1) AS h
      FROM (SELECT ST_Extent(shape)::geometry AS e FROM units) extent
), escaped AS (
    -- names and codes reach the page as text, never as markup
    SELECT u.*, replace(replace(replace(replace(u.name, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;') AS label
      FROM units u
), figures AS (
    SELECT pl.color, pl.fill, pl.label, t.min_score,
           lead(t.min_score) OVER (ORDER BY t.min_score) AS below,
           count(e.code) AS units, COALESCE(sum(e.cases), 0) AS cases
      FROM palette pl
      JOIN params p ON true
      JOIN risk_thresholds(p.level) t ON t.color = pl.color
      LEFT JOIN escaped e ON e.color = pl.color
     GROUP BY pl.color, pl.fill, pl.label, t.min_score
)
SELECT concat_ws(E'\n',
    '<!DOCTYPE html>',
    '<html lang="zh-CN"><head><meta charset="utf-8">',
    format('<title>实时风险预警图 %s</title>', (SELECT breadcrumb(p.under) FROM params p)),
    '<style>body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:16px;color:#222}'
    || '#map{width:760px;height:600px;border:1px solid #ccc;float:left;margin-right:24px}'
    || '#map path{stroke:#fff;stroke-width:1;vector-effect:non-scaling-stroke}'
    || 'table{border-collapse:collapse;margin-bottom:16px}td,th{padding:2px 8px;text-align:right}'
    || 'td:first-child,th:first-child{text-align:left}.swatch{display:inline-block;width:14px;height:14px;'
    || 'vertical-align:middle;margin-right:6px}</style></head><body>',
    format('<h1>实时风险预警图 · %s</h1>', (SELECT breadcrumb(p.under) FROM params p)),
    format('<p id="as-of">%s (%s), level %s: %s units, %s cases counted</p>',
           (SELECT to_char(p.as_of AT TIME ZONE calendar_timezone(), 'YYYY-MM-DD HH24:MI') FROM params p),
           calendar_timezone(), (SELECT p.level FROM params p),
           (SELECT count(*) FROM units), (SELECT COALESCE(sum(cases), 0) FROM units)),
    format('<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="%s %s %s %s" preserveAspectRatio="xMidYMid meet">',
           f.x, -f.y, f.w, f.h),
    (SELECT string_agg(format('<path data-unit="%s" data-color="%s" fill="%s" d="%s"><title>%s %s: %s</title></path>',
                              e.code, e.color, pl.fill, ST_AsSVG(e.shape, 0, 0), e.label, e.code,
                              round(e.score::numeric, 2)),
                       E'\n' ORDER BY e.code)
       FROM escaped e JOIN palette pl ON pl.color = e.color),
    '</svg>',
    '<table id="legend"><tr><th>colour</th><th>score</th><th>units</th><th>cases</th></tr>',
    (SELECT string_agg(format('<tr data-color="%s"><td><span class="swatch" style="background:%s"></span>%s</td>'
                              '<td>%s</td><td>%s</td><td>%s</td></tr>',
                              g.color, g.fill, g.label,
                              CASE WHEN g.below IS NULL THEN format('≥ %s', g.min_score)
                                   ELSE format('%s – %s', g.min_score, g.below) END,
                              g.units, g.cases),
                       E'\n' ORDER BY g.min_score)
       FROM figures g),
    '</table>',
    '<table id="top"><tr><th>highest risk</th><th>score</th><th>cases</th></tr>',
    (SELECT string_agg(format('<tr><td>%s %s</td><td>%s</td><td>%s</td></tr>',
                              t.code, t.label, round(t.score::numeric, 2), t.cases), E'\n' ORDER BY t.score DESC, t.code)
       FROM (SELECT * FROM escaped WHERE cases > 0 ORDER BY score DESC, code LIMIT 10) t),
    '</table></body></html>')
  FROM frame f;
