/**
 * The element's styles, adopted into its shadow root as a constructed
 * stylesheet: no <style> element and no style attributes, so a strict
 * `style-src 'self'` policy does not block them.
 */
export const ELEMENT_CSS = `
:host { display: block; font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; --accent: #3558c8; --bad: #b42318; }
[hidden] { display: none !important; }
.sc { display: grid; gap: 10px; }
.inputs { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.drop { flex: 1 1 260px; border: 2px dashed #9aa4b2; border-radius: 8px; padding: 10px 12px; background: #f6f8fa; }
.drop.over { border-color: var(--accent); background: #eef2ff; }
.url { display: flex; gap: 6px; flex: 1 1 320px; align-items: center; }
.url input { flex: 1; min-width: 0; padding: 4px 6px; }
button { font: inherit; padding: 4px 10px; border-radius: 6px; border: 1px solid #9aa4b2; background: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
.status { font-variant-numeric: tabular-nums; min-height: 1.4em; }
progress { width: 100%; height: 8px; }
.message { padding: 8px 10px; border-radius: 6px; background: #eef2ff; }
.message.error { background: #fef3f2; color: var(--bad); border: 1px solid #fda29b; }
.note { font-size: 12px; color: #6b7280; }
.downloads { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
.plot { width: 280px; height: 170px; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; }
.plot .title { font-size: 11px; font-weight: 600; fill: #1b1f24; }
.plot .tick { font-size: 9px; fill: #4b5563; }
.plot .axis { stroke: #9aa4b2; stroke-width: 1; }
.plot .bar { fill: var(--accent); }
.plot .dot { fill: var(--accent); fill-opacity: .55; }
.table { border: 1px solid #e5e7eb; border-radius: 6px; overflow: hidden; font-variant-numeric: tabular-nums; }
.row { display: grid; height: 28px; align-items: center; border-bottom: 1px solid #f0f1f3; font-size: 12px; }
.row.head { background: #f6f8fa; font-weight: 600; border-bottom: 1px solid #e5e7eb; padding-right: 14px; }
.cell { padding: 0 6px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.cell.number, .cell.index { text-align: right; }
.cell.index { color: #6b7280; }
.cell.bad { color: var(--bad); }
.viewport { position: relative; height: 360px; overflow-y: auto; overflow-x: hidden; contain: strict; }
.spacer { width: 1px; }
.body { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
.evaluation { display: grid; gap: 6px; }
.evaluation-title { font-size: 15px; margin: 10px 0 0; }
.evaluation h2 { font-size: 14px; margin: 10px 0 4px; border-bottom: 1px solid #e5e7eb; padding-bottom: 2px; }
.evaluation .meta, .evaluation .definition { color: #6b7280; font-size: 12px; margin: 2px 0; }
.evaluation table { border-collapse: collapse; font-size: 12px; }
.evaluation th, .evaluation td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #f0f1f3; vertical-align: top; }
.evaluation td.num { text-align: right; font-variant-numeric: tabular-nums; }
.evaluation .figures { display: flex; flex-wrap: wrap; gap: 8px; }
.evaluation .figures svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #fff; }
.evaluation .untrained { background: #fef3f2; color: var(--bad); border: 1px solid #fda29b; padding: 6px 10px; border-radius: 6px; }
.evaluation .badge { display: inline-block; font-size: 11px; padding: 0 8px; border-radius: 10px; margin-left: 8px; color: #fff; background: #6b7280; }
.evaluation .trained-badge { background: #2f7d32; }
.evaluation .untrained-badge { background: var(--bad); }
.thumb { width: 24px; height: 24px; image-rendering: pixelated; background: #000; justify-self: center; }
`
