// Builds the bundles that are committed in dist/: dist/index.js (the action's main and post
// steps) and dist/cli/index.js (the command line). Run with `npm run package`.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'

const ncc = ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', '--license', 'licenses.txt']
fs.rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, [...ncc, 'src/main.ts', '-o', 'dist'], { stdio: 'inherit' })
if (fs.existsSync('src/cli.ts')) {
  execFileSync(process.execPath, [...ncc, 'src/cli.ts', '-o', 'dist/cli'], { stdio: 'inherit' })
  fs.chmodSync('dist/cli/index.js', 0o755)
}
