// @ts-check
// Validation of API requests: the Bearer key, and the body of POST /generate_tasks against the
// catalog (workspace, database, target, entity, overrides).

import { findDatabase, findEntity, findWorkspace } from './catalog.js'
import { DEFAULT_SEED, DEFAULT_TEXT_LENGTH, defaultRecordCounts } from './generate.js'
import { SUPPORTED_FORMATS } from './formats.js'
import { HttpError } from './http.js'

/**
 * @typedef {import('./catalog.js').Database} Database
 *
 * @typedef {object} KeyOptions which API keys the emulator accepts
 * @property {string[]} [apiKeys] valid keys (default [DEFAULT_KEY])
 * @property {Record<string, string[]>} [restrictedKeys] key -> the only workspaces it may use
 * @property {string[]} [expiredKeys]
 *
 * @typedef {object} CreateRequest a valid POST /generate_tasks body, with its generation plan
 * @property {string} workspace
 * @property {Database} database
 * @property {string | null} format
 * @property {string | object | null} connection
 * @property {string | null} entity
 * @property {object | null} overrides
 * @property {number | string} seed
 * @property {Record<string, number>} recordCounts
 * @property {Record<string, Record<string, import('./generate.js').FieldOverride>>} fields
 * @property {number} textLength
 */

export const DEFAULT_KEY = 'fab_test_key'
const MAX_RECORD_COUNT = 10_000_000

/**
 * Checks the Bearer key. Returns the workspaces a restricted key may use, or null for all.
 * @param {import('./http.js').Request} req
 * @param {KeyOptions} keys
 * @returns {string[] | null}
 */
export function authenticate(req, keys) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  if (!match) throw new HttpError(401, 'Missing API key: send Authorization: Bearer <key>')
  const key = match[1]
  if (keys.expiredKeys?.includes(key)) throw new HttpError(401, 'API key has expired')
  const restricted = keys.restrictedKeys?.[key]
  if (restricted) return restricted
  if ((keys.apiKeys ?? [DEFAULT_KEY]).includes(key)) return null
  throw new HttpError(401, 'Invalid API key')
}

/**
 * @param {Record<string, unknown>} body
 * @param {string[] | null} allowedWorkspaces null: all
 * @returns {CreateRequest}
 */
export function validateCreateRequest(body, allowedWorkspaces) {
  const workspace = requiredString(body, 'workspace')
  const databaseName = requiredString(body, 'database')
  const format = optionalString(body, 'format')
  const entity = optionalString(body, 'entity')
  const connection = optionalConnection(body)
  const overrides = optionalObject(body, 'overrides')
  if (allowedWorkspaces && !allowedWorkspaces.includes(workspace)) {
    throw new HttpError(403, `This API key has no access to workspace '${workspace}'`)
  }
  const ws = findWorkspace(workspace)
  if (!ws) throw new HttpError(404, `Workspace '${workspace}' not found`)
  const database = findDatabase(workspace, databaseName)
  if (!database) {
    throw new HttpError(404, `Database '${databaseName}' not found in workspace '${workspace}'`)
  }
  checkTarget(database, format, connection, ws.connections, workspace)
  if (entity !== null && !findEntity(database, entity)) {
    throw new HttpError(422, `Entity '${entity}' not found in database '${database.name}'`)
  }
  if (overrides && database.kind === 'data-agent') {
    throw new HttpError(422, 'Overrides are not supported for Data Agent databases')
  }
  const plan = planFromOverrides(database, overrides ?? {})
  return { workspace, database, format, connection, entity, overrides, ...plan }
}

/**
 * @param {Database} database
 * @param {string | null} format
 * @param {string | object | null} connection
 * @param {string[]} connections named connections of the workspace
 * @param {string} workspace
 */
function checkTarget(database, format, connection, connections, workspace) {
  if (format !== null && connection !== null) {
    throw new HttpError(422, 'Provide either a format or a connection, not both')
  }
  if (database.kind === 'data-agent' && format === null) {
    throw new HttpError(422, `Data Agent database '${database.name}' requires a format`)
  }
  if (format === null && connection === null) {
    throw new HttpError(422, 'Provide a format or a connection')
  }
  if (format !== null && !SUPPORTED_FORMATS.includes(format)) {
    throw new HttpError(
      422,
      `Unsupported format: ${format}. Supported formats: ${SUPPORTED_FORMATS.join(', ')}`
    )
  }
  if (typeof connection === 'string' && !connections.includes(connection)) {
    throw new HttpError(422, `Connection '${connection}' not found in workspace '${workspace}'`)
  }
}

/**
 * Record counts, seed, field overrides and text length from `overrides`.
 * @param {Database} database
 * @param {Record<string, any>} overrides
 */
function planFromOverrides(database, overrides) {
  const variables = overrides.variables ?? {}
  const entities = overrides.entities ?? {}
  const recordCounts = defaultRecordCounts(database)
  /** @type {CreateRequest['fields']} */
  const fields = {}
  for (const [name, entityOverride] of Object.entries(entities)) {
    const entity = findEntity(database, name)
    if (!entity) throw new HttpError(422, `Unknown entity in overrides: '${name}'`)
    const count = entityOverride?.record_count
    if (count !== undefined) recordCounts[name] = checkRecordCount(name, count)
    if (entityOverride?.fields) fields[name] = checkFields(entity, entityOverride.fields)
  }
  checkParentsHaveRows(database, recordCounts)
  return { recordCounts, fields, seed: seedOf(variables), textLength: textLengthOf(variables) }
}

/**
 * @param {string} name entity
 * @param {any} count as sent
 * @returns {number}
 */
function checkRecordCount(name, count) {
  if (!Number.isInteger(count) || count < 0) {
    throw new HttpError(422, `record_count of '${name}' must be a non-negative integer`)
  }
  if (count > MAX_RECORD_COUNT) {
    throw new HttpError(422, `record_count of '${name}' exceeds the limit of ${MAX_RECORD_COUNT}`)
  }
  return count
}

/**
 * `variables.seed` when it is a number or a string, else the default seed.
 * @param {Record<string, any>} variables
 * @returns {number | string}
 */
function seedOf(variables) {
  const seed = variables.seed
  return typeof seed === 'number' || typeof seed === 'string' ? seed : DEFAULT_SEED
}

/**
 * `variables.text_length` when it is a non-negative integer, else the default.
 * @param {Record<string, any>} variables
 * @returns {number}
 */
function textLengthOf(variables) {
  const textLength = variables.text_length
  return Number.isInteger(textLength) && textLength >= 0 ? textLength : DEFAULT_TEXT_LENGTH
}

/**
 * @param {import('./catalog.js').Entity} entity
 * @param {Record<string, any>} fields
 */
function checkFields(entity, fields) {
  for (const name of Object.keys(fields)) {
    if (!entity.columns.some(c => c.name === name)) {
      throw new HttpError(422, `Unknown field '${name}' in entity '${entity.name}'`)
    }
  }
  return fields
}

/**
 * @param {Database} database
 * @param {Record<string, number>} counts
 */
function checkParentsHaveRows(database, counts) {
  for (const entity of database.entities) {
    for (const column of entity.columns) {
      if (column.ref && counts[entity.name] > 0 && counts[column.ref] === 0) {
        throw new HttpError(422, `'${entity.name}' needs records in '${column.ref}'`)
      }
    }
  }
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 */
function requiredString(body, name) {
  const value = body[name]
  if (typeof value !== 'string' || value === '') {
    throw new HttpError(400, `Missing required parameter: ${name}`)
  }
  return value
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 */
function optionalString(body, name) {
  const value = body[name]
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string') throw new HttpError(400, `Parameter ${name} must be a string`)
  return value
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 * @returns {Record<string, any> | null}
 */
function optionalObject(body, name) {
  const value = body[name]
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `Parameter ${name} must be an object`)
  }
  return value
}

/**
 * A connection is a name, or an object {host, port, database_name, username, password, tls}.
 * @param {Record<string, unknown>} body
 */
function optionalConnection(body) {
  const value = body.connection
  if (typeof value !== 'object' || value === null) return optionalString(body, 'connection')
  const connection = optionalObject(body, 'connection') ?? {}
  if (typeof connection.host !== 'string' || typeof connection.database_name !== 'string') {
    throw new HttpError(422, 'A connection object needs host and database_name')
  }
  return connection
}
