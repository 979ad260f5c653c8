// @ts-check
// The smallest useful action: read one input, set one output. `npm run bench` bundles it with the
// same ncc as dist/index.js (into a temp dir) and compares start-up times; it is not an action of
// this repository and is never committed as a bundle.
import * as core from '@actions/core'

const name = core.getInput('workspace')
core.setOutput('greeting', `hello ${name || 'nobody'}`)
