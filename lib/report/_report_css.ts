/** The report page's style sheet. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", Verdana, Arial, sans-serif; color: var(--ink); background: #f6f8fa; }
header, main { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 16px; font-size: 13px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: white; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 10px 16px; min-width: 170px; }
.card.missing { border-left-color: #bbb; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 28px; font-weight: bold; }
.card .detail { font-size: 12px; color: var(--muted); }
.notes { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 10px 16px 10px 32px; margin: 16px 0 0; }
.empty { color: var(--muted); font-style: italic; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.note { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
figure { margin: 0; }
figure.chart { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow-x: auto; max-width: 100%; }
figure.image { margin-top: 16px; background: white; border: 1px solid var(--line); border-radius: 6px; padding: 8px; display: inline-block; max-width: 100%; }
figure.image img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
.vega.failed { color: #b42318; padding: 16px; }
table { border-collapse: collapse; background: white; margin-top: 16px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
table.facts th { background: #f6f8fa; font-weight: normal; color: var(--muted); white-space: nowrap; }
table.facts td { max-width: 760px; overflow-wrap: anywhere; }
table.data th { background: #f6f8fa; }
main { padding-bottom: 48px; }
`;
