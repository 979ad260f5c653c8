export const id = 473;
export const ids = [473];
export const modules = {

/***/ 4473:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   extractZip: () => (/* binding */ extractZip)
/* harmony export */ });
/* unused harmony exports unsafeEntryName, listEntries */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6466);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_stream_promises__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8522);
/* harmony import */ var node_zlib__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_zlib__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var yauzl__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(663);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(3916);
/* harmony import */ var _folders_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(8146);
/* harmony import */ var _memory_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(8547);
/* harmony import */ var _units_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(1996);
/**
 * Unpacking a zip result safely, without any `unzip` binary (container jobs often have none).
 * Every entry is checked before anything is written: no absolute paths, drive letters,
 * backslashes, `..` or links, nothing that would land outside the destination, and a total size
 * within both the limit and the free disk. The entries are written to a staging folder beside the
 * destination and moved into place only when all of them are complete, so a failure never leaves
 * half a result.
 */










/** Compression methods of the zip format that are read: stored and deflated. */
const STORED = 0;
const DEFLATED = 8;
/**
 * Read and inflate in 256 KiB pieces: with the stream defaults (16 KiB) unpacking spends most of
 * its time passing small chunks between the disk, zlib's thread pool and the event loop. Reads of
 * 1 MiB are no faster and leave more memory waiting for the garbage collector.
 */
const READ_CHUNK = 2 ** 18;
const INFLATE_CHUNK = 2 ** 18;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
/** Room kept free on the disk beyond the result itself. */
const DISK_MARGIN = 64 * 2 ** 20;
/** Why an entry name is unsafe to extract, or undefined when it is safe. Pure. */
function unsafeEntryName(name) {
    if (name.length === 0)
        return 'an empty name';
    if ([...name].some(c => c.charCodeAt(0) < 32))
        return 'a control character in its name';
    if (name.includes('\\'))
        return 'a backslash in its name (a Windows path)';
    if (/^[a-zA-Z]:/.test(name))
        return 'a drive letter';
    if (name.startsWith('/'))
        return 'an absolute path';
    const segments = name.split('/');
    if (segments.includes('..'))
        return 'a `..` path segment';
    return undefined;
}
/** The entry's type from its Unix mode: 'file', 'directory', or what else it is. */
function entryType(entry, name) {
    const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
    const type = unixMode & S_IFMT;
    if (name.endsWith('/'))
        return type === 0 || type === S_IFDIR ? 'directory' : 'a special file';
    if (type === 0 || type === S_IFREG)
        return 'file';
    if (type === S_IFDIR)
        return 'directory';
    if (type === 0o120000)
        return 'a symbolic link';
    return 'a special file (device, pipe or socket)';
}
function open(file) {
    return new Promise((resolve, reject) => {
        yauzl__WEBPACK_IMPORTED_MODULE_5__.open(file, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false }, (error, zip) => (error ? reject(error) : resolve(zip)));
    });
}
function decodeName(entry) {
    return yauzl__WEBPACK_IMPORTED_MODULE_5__.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileName, entry.extraFields, true);
}
/** Reads the central directory and checks every entry. Throws ResultError naming each problem. */
async function listEntries(zip, archiveName) {
    const entries = [];
    const problems = [];
    const seen = new Set();
    await new Promise((resolve, reject) => {
        zip.on('entry', (entry) => {
            const name = decodeName(entry);
            const unsafe = unsafeEntryName(name);
            const type = entryType(entry, name);
            const normalized = name.replace(/\/+$/, '');
            if (unsafe)
                problems.push(`'${name}' has ${unsafe}`);
            else if (type !== 'file' && type !== 'directory')
                problems.push(`'${name}' is ${type}`);
            else if (entry.isEncrypted())
                problems.push(`'${name}' is encrypted`);
            else if (type === 'file' &&
                entry.compressionMethod !== STORED &&
                entry.compressionMethod !== DEFLATED)
                problems.push(`'${name}' uses compression method ${entry.compressionMethod} (only stored and deflated entries are read)`);
            else if (seen.has(normalized) && type === 'file')
                problems.push(`'${name}' appears twice`);
            seen.add(normalized);
            entries.push({
                name: normalized,
                isDirectory: type === 'directory',
                size: entry.uncompressedSize,
                raw: entry
            });
            zip.readEntry();
        });
        zip.once('end', resolve);
        zip.once('error', reject);
        zip.readEntry();
    }).catch((error) => {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`The result ${archiveName} is not a readable zip archive: ${error.message}`);
    });
    // A file may not also be a folder on the way to another entry.
    const files = new Set(entries.filter(e => !e.isDirectory).map(e => e.name));
    for (const entry of entries) {
        const parts = entry.name.split('/');
        for (let i = 1; i < parts.length; i++) {
            const parent = parts.slice(0, i).join('/');
            if (files.has(parent))
                problems.push(`'${entry.name}' lies inside '${parent}', which is a file`);
        }
    }
    if (problems.length > 0) {
        const shown = problems.slice(0, 10).join('; ');
        const more = problems.length > 10 ? ` and ${problems.length - 10} more` : '';
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`The archive was refused and nothing was written: ${shown}${more}.`);
    }
    return entries;
}
async function extractZip(archive, options) {
    const { dest, signal } = options;
    const zip = await open(archive).catch((error) => {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`The result is not a readable zip archive: ${error.message}`);
    });
    try {
        const entries = await listEntries(zip, node_path__WEBPACK_IMPORTED_MODULE_1__.basename(archive));
        const total = entries.reduce((sum, e) => sum + (e.isDirectory ? 0 : e.size), 0);
        await checkRoom(total, options);
        const staging = await (0,_folders_js__WEBPACK_IMPORTED_MODULE_7__/* .makeStaging */ .me)(dest, options.onTempPath);
        try {
            for (const entry of entries) {
                if (signal.aborted)
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .CancelledError */ .cc();
                const target = node_path__WEBPACK_IMPORTED_MODULE_1__.join(staging, ...entry.name.split('/'));
                if (!(0,_folders_js__WEBPACK_IMPORTED_MODULE_7__/* .isInside */ .FK)(staging, target))
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`'${entry.name}' would land outside the destination.`);
                if (entry.isDirectory) {
                    await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(target, { recursive: true });
                    continue;
                }
                await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.mkdir(node_path__WEBPACK_IMPORTED_MODULE_1__.dirname(target), { recursive: true });
                const { source, transforms } = await entryStreams(zip, archive, entry);
                const onAbort = () => {
                    source.destroy(new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .CancelledError */ .cc());
                };
                signal.addEventListener('abort', onAbort, { once: true });
                try {
                    await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_3__.pipeline)([
                        source,
                        ...transforms,
                        node_fs__WEBPACK_IMPORTED_MODULE_0__.createWriteStream(target, { flags: 'wx', mode: 0o644 })
                    ]);
                }
                catch (error) {
                    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .CancelledError */ .cc)
                        throw error;
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`Extracting '${entry.name}' failed: ${error.message}`);
                }
                finally {
                    signal.removeEventListener('abort', onAbort);
                }
            }
            await (0,_folders_js__WEBPACK_IMPORTED_MODULE_7__/* .moveIntoPlace */ .hU)(staging, dest);
        }
        catch (error) {
            await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.rm(staging, { recursive: true, force: true }).catch(() => { });
            throw error;
        }
        const files = entries
            .filter(e => !e.isDirectory)
            .map(e => e.name)
            .sort();
        return { files, bytes: total };
    }
    finally {
        zip.close();
    }
}
/**
 * The streams that turn an entry's bytes in the archive into its content: a read of its data
 * (from where yauzl, having checked the local header, says it starts), inflate when deflated, and
 * a check against the size and CRC-32 that the central directory declares.
 */
async function entryStreams(zip, archive, entry) {
    const { fileDataStart } = await new Promise((resolve, reject) => {
        zip.readLocalFileHeader(entry.raw, { minimal: true }, (error, header) => error ? reject(error) : resolve(header));
    });
    const { compressedSize, compressionMethod, crc32 } = entry.raw;
    const source = compressedSize === 0
        ? node_stream__WEBPACK_IMPORTED_MODULE_2__.Readable.from([])
        : node_fs__WEBPACK_IMPORTED_MODULE_0__.createReadStream(archive, {
            start: fileDataStart,
            end: fileDataStart + compressedSize - 1,
            highWaterMark: READ_CHUNK
        });
    const transforms = [];
    if (compressionMethod === DEFLATED) {
        transforms.push(node_zlib__WEBPACK_IMPORTED_MODULE_4__.createInflateRaw({ chunkSize: INFLATE_CHUNK }));
    }
    transforms.push(new DeclaredContent(entry.size, crc32));
    return { source, transforms };
}
/**
 * Passes an entry's content through while checking it against what the central directory
 * declares: it stops as soon as more bytes come than declared (a zip bomb that lies about its
 * size), and at the end checks the byte count and the CRC-32 (a damaged archive).
 */
class DeclaredContent extends node_stream__WEBPACK_IMPORTED_MODULE_2__.Transform {
    size;
    expectedCrc;
    bytes = 0;
    crc = 0;
    releaser = new _memory_js__WEBPACK_IMPORTED_MODULE_8__/* .BufferReleaser */ .U();
    /** zlib.crc32 is there from Node 20.15 and 22.2; on older Node the CRC is not checked. */
    checksum = typeof node_zlib__WEBPACK_IMPORTED_MODULE_4__.crc32 === 'function' ? node_zlib__WEBPACK_IMPORTED_MODULE_4__.crc32 : undefined;
    constructor(size, expectedCrc) {
        super();
        this.size = size;
        this.expectedCrc = expectedCrc;
    }
    _transform(chunk, _encoding, callback) {
        this.bytes += chunk.length;
        if (this.bytes > this.size) {
            callback(new Error(`it inflates to more than the ${this.size} bytes it declares`));
            return;
        }
        if (this.checksum)
            this.crc = this.checksum(chunk, this.crc);
        this.releaser.passed(chunk.length);
        callback(null, chunk);
    }
    _flush(callback) {
        if (this.bytes !== this.size) {
            callback(new Error(`it holds ${this.bytes} bytes, not the ${this.size} it declares`));
        }
        else if (this.checksum && this.crc !== this.expectedCrc) {
            callback(new Error('its CRC-32 does not match: the archive is damaged'));
        }
        else {
            callback();
        }
    }
}
async function checkRoom(total, options) {
    if (total > options.maxSizeBytes) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`The archive would unpack to ${(0,_units_js__WEBPACK_IMPORTED_MODULE_9__/* .formatBytes */ .z3)(total)}, more than \`max-size\` (${(0,_units_js__WEBPACK_IMPORTED_MODULE_9__/* .formatBytes */ .z3)(options.maxSizeBytes)}). Nothing was written. Raise \`max-size\` if this is expected.`);
    }
    const free = await freeSpace(node_path__WEBPACK_IMPORTED_MODULE_1__.dirname(options.dest));
    if (free !== undefined && total + DISK_MARGIN > free) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_6__/* .ResultError */ .MG(`The archive would unpack to ${(0,_units_js__WEBPACK_IMPORTED_MODULE_9__/* .formatBytes */ .z3)(total)}, but only ${(0,_units_js__WEBPACK_IMPORTED_MODULE_9__/* .formatBytes */ .z3)(free)} is free on the disk of ${node_path__WEBPACK_IMPORTED_MODULE_1__.dirname(options.dest)}. Nothing was written.`);
    }
}
async function freeSpace(folder) {
    try {
        const stats = await node_fs__WEBPACK_IMPORTED_MODULE_0__.promises.statfs(folder);
        return stats.bavail * stats.bsize;
    }
    catch {
        return undefined;
    }
}


/***/ })

};
