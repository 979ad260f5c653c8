// @ts-check
// What the emulated Fabricate account holds: workspaces, their databases (with table definitions)
// and their named connections. Tables are listed parents first, so the catalog order is FK order.

/**
 * @typedef {'integer' | 'bigint' | 'numeric' | 'text' | 'boolean' | 'date' | 'timestamptz' | 'jsonb'} ColumnType
 *
 * `gen` names the value generator in generate.js; `ref` names the parent table of a foreign key;
 * `nullable` columns yield NULL now and then; `sqlType` is the PostgreSQL type used by schemaSql().
 * @typedef {object} Column
 * @property {string} name
 * @property {ColumnType} type
 * @property {string} gen
 * @property {boolean} [nullable]
 * @property {string} [ref]
 * @property {string} [sqlType]
 * @property {readonly string[]} [choices]
 * @property {number} [min]
 * @property {number} [max]
 *
 * @typedef {object} Entity
 * @property {string} name
 * @property {number} recordCount default number of rows
 * @property {Column[]} columns the first column is the primary key
 *
 * @typedef {object} Database
 * @property {string} id
 * @property {string} name
 * @property {'rule-based' | 'data-agent'} kind
 * @property {Entity[]} entities
 *
 * @typedef {object} Workspace
 * @property {string} name
 * @property {Database[]} databases
 * @property {string[]} connections
 */

/** @type {(name?: string, type?: ColumnType) => Column} */
const id = (name = 'id', type = 'integer') => ({ name, type, gen: 'id' })

/** @type {(name: string, ref: string, type?: ColumnType) => Column} */
const fk = (name, ref, type = 'integer') => ({ name, type, gen: 'ref', ref })

/** @type {Entity} */
const customers = {
  name: 'customers',
  recordCount: 50,
  columns: [
    id(),
    { name: 'email', type: 'text', gen: 'email' },
    { name: 'full_name', type: 'text', gen: 'person' },
    { name: 'nickname', type: 'text', gen: 'tricky', nullable: true },
    { name: 'bio', type: 'text', gen: 'prose', nullable: true },
    { name: 'is_active', type: 'boolean', gen: 'boolean' },
    { name: 'loyalty_points', type: 'bigint', gen: 'integer', min: 0, max: 9_000_000_000_000 },
    { name: 'signup_date', type: 'date', gen: 'date' },
    { name: 'created_at', type: 'timestamptz', gen: 'timestamp' },
    { name: 'preferences', type: 'jsonb', gen: 'json', nullable: true }
  ]
}

/** @type {Entity} */
const products = {
  name: 'products',
  recordCount: 25,
  columns: [
    id(),
    { name: 'sku', type: 'text', gen: 'sku' },
    { name: 'name', type: 'text', gen: 'tricky' },
    { name: 'description', type: 'text', gen: 'prose', nullable: true },
    { name: 'price', type: 'numeric', gen: 'money', sqlType: 'numeric(10,2)', min: 1, max: 2000 },
    {
      name: 'weight_kg',
      type: 'numeric',
      gen: 'decimal3',
      sqlType: 'numeric(8,3)',
      nullable: true
    },
    { name: 'in_stock', type: 'boolean', gen: 'boolean' },
    { name: 'released_on', type: 'date', gen: 'date', nullable: true },
    { name: 'attributes', type: 'jsonb', gen: 'json' }
  ]
}

/** @type {Entity} */
const orders = {
  name: 'orders',
  recordCount: 100,
  columns: [
    id('id', 'bigint'),
    fk('customer_id', 'customers'),
    { name: 'status', type: 'text', gen: 'choice', choices: ['pending', 'paid', 'shipped'] },
    { name: 'ordered_at', type: 'timestamptz', gen: 'timestamp' },
    { name: 'shipped_on', type: 'date', gen: 'date', nullable: true },
    { name: 'total', type: 'numeric', gen: 'money', sqlType: 'numeric(12,2)', min: 5, max: 9000 },
    { name: 'is_gift', type: 'boolean', gen: 'boolean', nullable: true },
    { name: 'note', type: 'text', gen: 'prose', nullable: true }
  ]
}

/** @type {Entity} */
const orderItems = {
  name: 'order_items',
  recordCount: 200,
  columns: [
    id('id', 'bigint'),
    fk('order_id', 'orders', 'bigint'),
    fk('product_id', 'products'),
    { name: 'quantity', type: 'integer', gen: 'integer', min: 1, max: 12 },
    {
      name: 'unit_price',
      type: 'numeric',
      gen: 'money',
      sqlType: 'numeric(10,2)',
      min: 1,
      max: 2000
    },
    {
      name: 'discount',
      type: 'numeric',
      gen: 'money',
      sqlType: 'numeric(5,2)',
      nullable: true,
      max: 50
    },
    { name: 'comment', type: 'text', gen: 'tricky', nullable: true }
  ]
}

/** @type {Entity} */
const accounts = {
  name: 'accounts',
  recordCount: 30,
  columns: [
    id(),
    { name: 'company', type: 'text', gen: 'tricky' },
    { name: 'is_customer', type: 'boolean', gen: 'boolean' },
    { name: 'founded_on', type: 'date', gen: 'date', nullable: true }
  ]
}

/** @type {Entity} */
const contacts = {
  name: 'contacts',
  recordCount: 60,
  columns: [
    id(),
    fk('account_id', 'accounts'),
    { name: 'full_name', type: 'text', gen: 'person' },
    { name: 'email', type: 'text', gen: 'email', nullable: true },
    { name: 'last_contacted_at', type: 'timestamptz', gen: 'timestamp', nullable: true }
  ]
}

/** @type {Workspace[]} */
export const workspaces = [
  {
    name: 'acme',
    connections: ['staging-db'],
    databases: [
      {
        id: '7c3e1d0a-5b1f-4c1e-9a51-0d6f3a1b2c01',
        name: 'shop',
        kind: 'rule-based',
        entities: [customers, products, orders, orderItems]
      },
      {
        id: '7c3e1d0a-5b1f-4c1e-9a51-0d6f3a1b2c02',
        name: 'agent-shop',
        kind: 'data-agent',
        entities: [
          { ...customers, recordCount: 20 },
          { ...orders, recordCount: 40 }
        ]
      }
    ]
  },
  {
    name: 'globex',
    connections: ['crm-replica'],
    databases: [
      {
        id: '9d2b4f6e-0a7c-4e3d-8b1a-2f5c6d7e8f03',
        name: 'crm',
        kind: 'rule-based',
        entities: [accounts, contacts]
      }
    ]
  }
]

/**
 * @param {string} name
 * @returns {Workspace | undefined}
 */
export function findWorkspace(name) {
  return workspaces.find(w => w.name === name)
}

/**
 * @param {string} workspace
 * @param {string} name
 * @returns {Database | undefined}
 */
export function findDatabase(workspace, name) {
  return findWorkspace(workspace)?.databases.find(d => d.name === name)
}

/**
 * @param {Database} database
 * @param {string} name
 * @returns {Entity | undefined}
 */
export function findEntity(database, name) {
  return database.entities.find(e => e.name === name)
}

/**
 * The DDL a user's migrations would have run before loading Fabricate's data-only results
 * (PostgreSQL dialect, parents first). Test harnesses use it to prepare a target database.
 * @param {Database} database
 * @returns {string}
 */
export function schemaSql(database) {
  return database.entities.map(createTableSql).join('\n')
}

/** @param {Entity} entity */
function createTableSql(entity) {
  const lines = entity.columns.map((c, i) => {
    const parts = [`"${c.name}"`, c.sqlType ?? c.type]
    if (i === 0) parts.push('PRIMARY KEY')
    else if (!c.nullable) parts.push('NOT NULL')
    if (c.ref) parts.push(`REFERENCES "${c.ref}" ("id")`)
    return `  ${parts.join(' ')}`
  })
  return `CREATE TABLE "${entity.name}" (\n${lines.join(',\n')}\n);\n`
}
