/**
 * Entry point of the bundle that action.yml runs twice: as `main`, and again as `post` (the
 * runner then passes the state saved by main, and `isPost` is set).
 */
import * as core from '@actions/core'
import { runAction, runPost } from './action.js'

async function main(): Promise<void> {
  const isPost = core.getState('isPost') === 'true'
  if (!isPost) core.saveState('isPost', 'true')
  const code = isPost ? await runPost() : await runAction()
  // Exit now: an abandoned request (after a time limit or a cancel) must not keep the step alive.
  process.exit(code)
}

void main()
