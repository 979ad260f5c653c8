export const id = 259;
export const ids = [259];
export const modules = {

/***/ 259:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   PSQL_MISSING: () => (/* binding */ PSQL_MISSING),
/* harmony export */   checkDatabase: () => (/* binding */ checkDatabase),
/* harmony export */   findPsql: () => (/* binding */ findPsql),
/* harmony export */   loadIntoPostgres: () => (/* binding */ loadIntoPostgres),
/* harmony export */   waitForDatabase: () => (/* binding */ waitForDatabase)
/* harmony export */ });
/* unused harmony exports runPsql, cleanPsqlError, countStatement, readCounts, tablesInLoadFile, displayName */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_readline__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(481);
/* harmony import */ var node_readline__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_readline__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9373);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(3916);
/* harmony import */ var _units_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1996);
/**
 * Loading a PostgreSQL result with the real `psql`, the way the Fabricate docs say
 * (`psql -f load.sql`), made safe for CI: no psqlrc (-X), never a password prompt (-w), stop at the
 * first error (ON_ERROR_STOP) and one transaction for the schema files and load.sql together, so a
 * failed load commits nothing. psql runs in load.sql's folder, because `\copy` resolves relative
 * file names against psql's working directory. The password travels in PGPASSWORD only.
 */







const PSQL_MISSING = '`load: postgres` needs `psql`, and none was found on PATH. Install the PostgreSQL client before this step: ' +
    '`sudo apt-get install -y postgresql-client` (Debian, Ubuntu; GitHub-hosted Ubuntu runners have it already), ' +
    '`apk add postgresql-client` (Alpine containers) or `brew install libpq` (macOS).';
/** Finds psql on PATH (PSQL may name it explicitly). */
function findPsql(env) {
    if (env.PSQL && isExecutable(env.PSQL))
        return env.PSQL;
    const names = process.platform === 'win32' ? ['psql.exe', 'psql.cmd'] : ['psql'];
    for (const dir of (env.PATH ?? '').split(node_path__WEBPACK_IMPORTED_MODULE_2__.delimiter).filter(Boolean)) {
        for (const name of names) {
            const candidate = node_path__WEBPACK_IMPORTED_MODULE_2__.join(dir, name);
            if (isExecutable(candidate))
                return candidate;
        }
    }
    return undefined;
}
function isExecutable(file) {
    try {
        node_fs__WEBPACK_IMPORTED_MODULE_1__.accessSync(file, node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.X_OK);
        return node_fs__WEBPACK_IMPORTED_MODULE_1__.statSync(file).isFile();
    }
    catch {
        return false;
    }
}
/** Runs psql with the safe options; stops it when signal aborts (a child gets no signal by itself). */
function runPsql(target, args, options) {
    if (options.signal.aborted)
        return Promise.reject(new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .CancelledError */ .cc());
    const env = {};
    for (const [key, value] of Object.entries(target.env))
        if (value !== undefined)
            env[key] = value;
    if (target.password !== undefined)
        env.PGPASSWORD = target.password;
    env.PGAPPNAME ??= 'fabricate-action';
    if (options.connectTimeoutSeconds)
        env.PGCONNECT_TIMEOUT = String(options.connectTimeoutSeconds);
    env.PGCONNECT_TIMEOUT ??= '10';
    const fullArgs = [
        '-X',
        '-w',
        '-v',
        'ON_ERROR_STOP=1',
        ...(target.url ? ['-d', target.url] : []),
        ...args
    ];
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(target.psql, fullArgs, {
            cwd: options.cwd,
            env,
            stdio: ['ignore', 'pipe', 'pipe']
        });
        let stdout = '';
        let stderr = '';
        // Decoded as a stream, so that a character split between two reads stays whole.
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (chunk) => {
            if (!options.keepStdout)
                return;
            stdout += chunk;
            if (stdout.length > 1_000_000)
                stdout = stdout.slice(-500_000);
        });
        child.stderr.on('data', (chunk) => {
            stderr += chunk;
            if (stderr.length > 1_000_000)
                stderr = stderr.slice(-500_000);
        });
        // SIGINT makes psql send the server a cancel request, so the statement stops at once; a psql
        // that does not exit soon after is terminated.
        let terminate;
        const onAbort = () => {
            child.kill('SIGINT');
            terminate = setTimeout(() => child.kill('SIGTERM'), 1500);
        };
        options.signal.addEventListener('abort', onAbort, { once: true });
        child.on('error', error => {
            options.signal.removeEventListener('abort', onAbort);
            reject(new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .LoadError */ .Xb(`Could not start psql: ${error.message}`));
        });
        child.on('close', (code, signal) => {
            clearTimeout(terminate);
            options.signal.removeEventListener('abort', onAbort);
            target.debug?.(`${target.psql} ${fullArgs.map(shorten).join(' ')}${options.cwd ? ` (in ${options.cwd})` : ''} → ${signal ? `stopped by ${signal}` : `exit ${code}`} in ${Date.now() - started}ms`);
            if (options.signal.aborted)
                reject(new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .CancelledError */ .cc('Cancelled while psql was running; psql was stopped.'));
            else
                resolve({ code, stdout, stderr });
        });
    });
}
/** An argument as the debug log shows it: a long statement by its start. */
function shorten(arg) {
    return arg.length > 100 ? `${arg.slice(0, 80)}…` : arg;
}
/** Connection failures that end at once: waiting would not fix them. */
const FATAL_CONNECT = /password authentication failed|no password supplied|role "[^"]*" does not exist|database "[^"]*" does not exist|no pg_hba\.conf entry|invalid connection option|invalid URI|invalid sslmode|certificate|SSL (error|SYSCALL)|server does not support SSL|permission denied/i;
/** Failures of a server that is not up yet, or restarting after its init scripts. */
const TRANSIENT_CONNECT = /could not connect|connection refused|Is the server running|the database system is (starting up|shutting down|in recovery|not yet accepting)|server closed the connection unexpectedly|timeout expired|could not translate host name|Connection timed out|No such file or directory|terminating connection due to administrator command/i;
/**
 * One connection: the server's version, or why it is not up yet. A refusal that waiting would not
 * fix (a wrong password, a missing database) throws.
 */
async function connectOnce(target, signal, connectTimeoutSeconds) {
    const result = await runPsql(target, ['-A', '-t', '-c', 'SHOW server_version'], {
        signal,
        keepStdout: true,
        connectTimeoutSeconds
    });
    if (result.code === 0)
        return { ok: true, serverVersion: result.stdout.trim() };
    const message = cleanPsqlError(result.stderr) || `psql exited with code ${result.code}`;
    if (FATAL_CONNECT.test(message) || !TRANSIENT_CONNECT.test(message)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .LoadError */ .Xb(`PostgreSQL refused the connection: ${message}`);
    }
    return { ok: false, message };
}
/**
 * One quick look before a task is started, so that a wrong password or a missing database fails
 * before it spends generation quota. A server that is not up yet is no failure here: it is waited
 * for after the download (waitForDatabase). libpq's shortest connect timeout, 2 s, bounds it.
 */
function checkDatabase(target, signal) {
    return connectOnce(target, signal, 2);
}
/**
 * Waits until the server accepts a connection, with backoff, up to waitMs. A wrong password or a
 * missing database fails at once with the server's message.
 */
async function waitForDatabase(target, waitMs, signal, onWait) {
    const started = Date.now();
    let delay = 250;
    let lastReported = 0;
    for (let attempt = 1;; attempt++) {
        const connected = await connectOnce(target, signal);
        if (connected.ok) {
            return {
                waitedMs: Date.now() - started,
                attempts: attempt,
                serverVersion: connected.serverVersion
            };
        }
        const { message } = connected;
        const waited = Date.now() - started;
        if (waited + delay > waitMs) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .LoadError */ .Xb(`PostgreSQL did not accept connections within \`wait-for-database\` (${(0,_units_js__WEBPACK_IMPORTED_MODULE_6__/* .formatDuration */ .a3)(waitMs)}); the last answer: ${message}. ` +
                'Check that the service container is up (its health check) and that the host and port are the right ones for where the job runs.');
        }
        if (Date.now() - lastReported >= 5000) {
            onWait(`Waiting for PostgreSQL (${(0,_units_js__WEBPACK_IMPORTED_MODULE_6__/* .formatDuration */ .a3)(waited)} so far): ${message}`);
            lastReported = Date.now();
        }
        await (0,_clock_js__WEBPACK_IMPORTED_MODULE_4__/* .sleep */ .y)(delay, signal);
        delay = Math.min(2000, Math.round(delay * 1.5));
    }
}
/** psql's stderr without noise: the lines that say what went wrong. */
function cleanPsqlError(stderr) {
    return stderr
        .split(/\r?\n/)
        .map(line => line.trimEnd())
        .filter(line => line && !/^(NOTICE|WARNING):/.test(line.replace(/^psql:[^:]*:\d+: /, '')))
        .slice(-12)
        .join('\n')
        .trim();
}
/**
 * Runs the schema files and load.sql in one transaction, and counts the rows of each table filled
 * at its end, in the same psql and the same transaction: the counts are what is committed, and
 * cost no second connection.
 */
async function loadIntoPostgres(target, loadFile, schemaFiles, signal) {
    const started = Date.now();
    const tables = await tablesInLoadFile(loadFile);
    const args = ['-q', '--single-transaction'];
    for (const file of schemaFiles)
        args.push('-f', file);
    args.push('-f', node_path__WEBPACK_IMPORTED_MODULE_2__.basename(loadFile));
    if (tables.length > 0)
        args.push('-c', countStatement(tables));
    const result = await runPsql(target, args, {
        cwd: node_path__WEBPACK_IMPORTED_MODULE_2__.dirname(loadFile),
        signal,
        keepStdout: true
    });
    if (result.code !== 0) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .LoadError */ .Xb(`Loading failed, and nothing was committed (the load runs in one transaction). PostgreSQL said:\n${cleanPsqlError(result.stderr) || `psql exited with code ${result.code}`}`);
    }
    return {
        durationMs: Date.now() - started,
        tables: tables.length > 0 ? readCounts(result.stdout) : {}
    };
}
/** Marks the line of psql's output that holds the row counts, among whatever load.sql prints. */
const COUNTS_MARKER = 'fabricate-action-rows';
/**
 * One statement that counts the rows of each table, as a JSON object after COUNTS_MARKER. A name
 * that is no table (a line of a multi-line text value that happens to read `INSERT INTO x`) is
 * passed over rather than failing the load: to_regclass is null for it.
 */
function countStatement(tables) {
    const literal = (text) => `'${text.replace(/'/g, "''")}'`;
    const rows = tables.map((table, i) => `(${i}, ${literal(displayName(table))}, ${literal(table)})`);
    const count = "(xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || rel, false, true, '')))[1]::text::bigint";
    return (`SELECT '${COUNTS_MARKER} ' || coalesce(json_object_agg(name, ${count} ORDER BY i), '{}') ` +
        `FROM (VALUES ${rows.join(', ')}) AS t(i, name, rel) WHERE to_regclass(rel) IS NOT NULL`);
}
/** The counts from psql's output (aligned or not: the marker and the JSON are on one line). */
function readCounts(stdout) {
    const line = new RegExp(`${COUNTS_MARKER} (\\{.*\\})\\s*$`, 'm').exec(stdout);
    if (!line)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .LoadError */ .Xb(`The load ran, but psql printed no row counts:\n${stdout.slice(-500)}`);
    return JSON.parse(line[1]);
}
const IDENTIFIER = '(?:"(?:[^"]|"")+"|[A-Za-z_][\\w$]*)';
const FILL_STATEMENT = new RegExp(`^\\s*(?:\\\\copy|copy|insert\\s+into)\\s+(${IDENTIFIER})(?:\\s*\\.\\s*(${IDENTIFIER}))?`, 'i');
/** The tables a load.sql fills (`\copy`, `COPY ... FROM`, `INSERT INTO`), in order, as written. */
async function tablesInLoadFile(loadFile) {
    const tables = [];
    const lines = node_readline__WEBPACK_IMPORTED_MODULE_3__.createInterface({
        input: node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream(loadFile, 'utf8'),
        crlfDelay: Infinity
    });
    for await (const line of lines) {
        const first = line.charCodeAt(0);
        // Only statement starts matter; skip data lines cheaply.
        if (first !== 92 /* \ */ &&
            first !== 67 &&
            first !== 99 &&
            first !== 73 &&
            first !== 105 &&
            first !== 32)
            continue;
        const match = FILL_STATEMENT.exec(line);
        if (!match)
            continue;
        if (/^\s*(\\copy|copy)\s/i.test(line) && !/\sfrom\s/i.test(line))
            continue;
        const table = match[2] ? `${match[1]}.${match[2]}` : match[1];
        if (!tables.includes(table))
            tables.push(table);
    }
    return tables;
}
/** `"order_items"` → `order_items`; `public.x` stays as written. */
function displayName(identifier) {
    return identifier.replace(/"((?:[^"]|"")+)"/g, (_, name) => name.replace(/""/g, '"'));
}


/***/ })

};
