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
    const lines = [headline(report), ''];
    if (report.outcome === 'cancelled') {
        lines.push(`Cancelled${report.current ? ` while ${report.current.toLowerCase()}` : ''}${report.taskId ? ` (task \`${report.taskId}\`)` : ''}. Partial files were removed.`, '');
    }
    else if (report.outcome === 'failure' && report.error) {
        lines.push('```text', report.error.replace(/```/g, "'''"), '```', '');
        if (report.advice)
            lines.push(`**What to try:** ${report.advice}`, '');
    }
    const facts = [];
    if (report.workspace)
        facts.push(['Workspace', text(report.workspace)]);
    if (report.database)
        facts.push(['Database', text(report.database)]);
    if (report.entity)
        facts.push(['Table', text(report.entity)]);
    if (report.format)
        facts.push(['Format', code(report.format)]);
    if (report.connection)
        facts.push(['Connection', text(report.connection)]);
    if (report.taskId)
        facts.push(['Task', code(report.taskId)]);
    if (report.downloadedBytes !== undefined)
        facts.push(['Downloaded', (0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatBytes */ .z3)(report.downloadedBytes)]);
    if (report.unpackedBytes !== undefined)
        facts.push(['Unpacked', (0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatBytes */ .z3)(report.unpackedBytes)]);
    if (report.serverVersion)
        facts.push(['PostgreSQL', text(report.serverVersion.split(' ')[0])]);
    if (report.phases.length > 0)
        facts.push(['Time', duration(totalMs(report))]);
    if (facts.length > 0) {
        lines.push(`| ${facts.map(([name]) => name).join(' | ')} |`, `|${facts.map(() => '---').join('|')}|`, `| ${facts.map(([, value]) => value).join(' | ')} |`, '');
    }
    if (report.tables && Object.keys(report.tables).length > 0) {
        const entries = Object.entries(report.tables);
        lines.push('| Table | Rows |', '|---|---:|');
        for (const [table, rows] of entries.slice(0, MAX_TABLES_LISTED)) {
            lines.push(`| ${code(table)} | ${count(rows)} |`);
        }
        if (entries.length > MAX_TABLES_LISTED) {
            lines.push(`| … ${entries.length - MAX_TABLES_LISTED} more | |`);
        }
        lines.push(`| **Total** | **${count(sumRows(report.tables))}** |`, '');
    }
    if (report.phases.length > 1) {
        lines.push('| Phase | Time |', '|---|---:|');
        for (const phase of report.phases) {
            const failed = report.outcome !== 'success' && phase.name === report.current;
            lines.push(`| ${phase.name}${failed ? (report.outcome === 'cancelled' ? ' (cancelled)' : ' (failed)') : ''} | ${duration(phase.ms)} |`);
        }
        lines.push('');
    }
    if (report.files && report.files.length > 0) {
        const shown = report.files.slice(0, MAX_FILES_LISTED);
        // Markdown is not rendered inside <summary>: HTML there.
        const where = report.path ? ` in <code>${text(report.path)}</code>` : '';
        lines.push(`<details><summary>${report.files.length} file${report.files.length === 1 ? '' : 's'}${where}</summary>`, '', ...shown.map(file => `- ${code(file)}${file === report.loadFile ? ' (load file)' : ''}`), ...(report.files.length > shown.length
            ? [`- … and ${report.files.length - shown.length} more`]
            : []), '', '</details>', '');
    }
    const markdown = lines.join('\n');
    if (Buffer.byteLength(markdown) <= SUMMARY_LIMIT)
        return markdown;
    return `${cutToBytes(markdown, SUMMARY_LIMIT / 2)}\n\n… (summary cut to stay within GitHub’s 1 MiB limit)\n`;
}
/** The longest start of `text` that takes at most `bytes` bytes in UTF-8, no character split. */
function cutToBytes(text, bytes) {
    const encoded = Buffer.from(text, 'utf8');
    let end = Math.min(bytes, encoded.length);
    // Back up to the first byte of a character (continuation bytes are 0b10xxxxxx).
    while (end > 0 && end < encoded.length && (encoded[end] & 0xc0) === 0x80)
        end--;
    return encoded.subarray(0, end).toString('utf8');
}
function headline(report) {
    const target = [report.workspace, report.database, report.entity].filter(Boolean).join(' / ');
    const subject = `Fabricate${target ? `: ${text(target)}` : ''}`;
    switch (report.outcome) {
        case 'success':
            if (report.tables)
                return `### ✅ ${subject} loaded ${count(sumRows(report.tables))} rows into PostgreSQL`;
            if (report.connection)
                return `### ✅ ${subject} pushed to connection ${text(report.connection)}`;
            return `### ✅ ${subject} generated and downloaded`;
        case 'cancelled':
            return `### ⏹️ ${subject} cancelled`;
        default:
            return `### ❌ ${subject} failed${report.current ? ` while ${report.current.toLowerCase().replace('postgresql', 'PostgreSQL')}` : ''}`;
    }
}
/** A duration that does not wrap inside a table cell. */
function duration(ms) {
    return (0,_units_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(ms).replace(/ /g, '\u00a0');
}
function totalMs(report) {
    return report.phases.reduce((sum, phase) => sum + phase.ms, 0);
}
function sumRows(tables) {
    return Object.values(tables).reduce((sum, n) => sum + n, 0);
}
function count(n) {
    return n.toLocaleString('en-US');
}
/** Text for a table cell: no HTML, no cell breaks, one line. */
function text(value) {
    return value
        .replace(/[<>&]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c])
        .replace(/\|/g, '\\|')
        .replace(/\r?\n/g, ' ');
}
/** A code span for a table cell: entities are not decoded inside code, so only `|` is escaped. */
function code(value) {
    const clean = value.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
    return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``;
}


/***/ })

};
