export const id = 855;
export const ids = [855];
export const modules = {

/***/ 8855:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   SUMMARY_LIMIT: () => (/* binding */ SUMMARY_LIMIT),
/* harmony export */   renderSummary: () => (/* binding */ renderSummary)
/* harmony export */ });
/* harmony import */ var _units_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1996);

const MAX_FILES_LISTED = 100;
const MAX_TABLES_LISTED = 500;
const SUMMARY_LIMIT = 1024 * 1024;
function renderSummary(report) {
    const lines = [];
    const target = `${report.workspace} / ${report.database}${report.entity ? ` / ${report.entity}` : ''}`;
    const icon = report.outcome === 'success' ? '✅' : report.outcome === 'cancelled' ? '⏹️' : '❌';
    const verdict = report.outcome === 'success'
        ? report.tables
            ? `loaded ${sumRows(report.tables).toLocaleString('en-US')} rows into PostgreSQL`
            : report.connection
                ? `pushed to connection ${report.connection}`
                : 'generated and downloaded'
        : report.outcome === 'cancelled'
            ? 'cancelled'
            : 'failed';
    lines.push(`### ${icon} Fabricate: ${escape(target)} ${verdict}`, '');
    if (report.outcome !== 'success' && report.error) {
        lines.push('**What went wrong**', '', '```text', report.error.replace(/```/g, "'''"), '```', '');
        if (report.advice)
            lines.push(`**What to try:** ${report.advice}`, '');
    }
    const facts = [
        ['Workspace', report.workspace],
        ['Database', report.database]
    ];
    if (report.entity)
        facts.push(['Entity', report.entity]);
    if (report.format)
        facts.push(['Format', `\`${report.format}\``]);
    if (report.connection)
        facts.push(['Connection', report.connection]);
    if (report.taskId)
        facts.push(['Task', `\`${report.taskId}\``]);
    if (report.downloadedBytes !== undefined)
        facts.push(['Downloaded', (0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatBytes */ .z3)(report.downloadedBytes)]);
    if (report.unpackedBytes !== undefined)
        facts.push(['Unpacked', (0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatBytes */ .z3)(report.unpackedBytes)]);
    if (report.path)
        facts.push(['Folder', `\`${report.path}\``]);
    if (report.serverVersion)
        facts.push(['PostgreSQL', report.serverVersion]);
    const total = report.phases.reduce((sum, phase) => sum + phase.ms, 0);
    if (report.phases.length > 0) {
        facts.push([
            'Time',
            `${(0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(total)} (${report.phases.map(p => `${p.name.toLowerCase()} ${(0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(p.ms)}`).join(', ')})`
        ]);
    }
    lines.push('| | |', '|---|---|', ...facts.map(([k, v]) => `| ${k} | ${escapeCell(v)} |`), '');
    if (report.tables && Object.keys(report.tables).length > 0) {
        const entries = Object.entries(report.tables);
        lines.push('| Table | Rows |', '|---|---:|');
        for (const [table, rows] of entries.slice(0, MAX_TABLES_LISTED)) {
            lines.push(`| \`${escapeCell(table)}\` | ${rows.toLocaleString('en-US')} |`);
        }
        if (entries.length > MAX_TABLES_LISTED)
            lines.push(`| … ${entries.length - MAX_TABLES_LISTED} more | |`);
        lines.push(`| **Total** | **${sumRows(report.tables).toLocaleString('en-US')}** |`, '');
    }
    if (report.files && report.files.length > 0) {
        const shown = report.files.slice(0, MAX_FILES_LISTED);
        lines.push(`<details><summary>${report.files.length} file${report.files.length === 1 ? '' : 's'}</summary>`, '', ...shown.map(file => `- \`${escapeCell(file)}\`${file === report.loadFile ? ' (load file)' : ''}`), ...(report.files.length > shown.length
            ? [`- … and ${report.files.length - shown.length} more`]
            : []), '', '</details>', '');
    }
    const text = lines.join('\n');
    if (Buffer.byteLength(text) <= SUMMARY_LIMIT)
        return text;
    return (text.slice(0, SUMMARY_LIMIT / 2) + '\n\n… (summary cut to stay within GitHub’s 1 MiB limit)\n');
}
function sumRows(tables) {
    return Object.values(tables).reduce((sum, n) => sum + n, 0);
}
function escape(text) {
    return text.replace(/[<>]/g, c => (c === '<' ? '&lt;' : '&gt;'));
}
function escapeCell(text) {
    return escape(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}


/***/ })

};
