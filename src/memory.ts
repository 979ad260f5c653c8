/**
 * Keeping memory flat while streaming a large result. Every chunk that passes through a stream is
 * a Buffer of its own, outside V8's heap; V8 collects them only once about 64 MiB have piled up,
 * which is most of the action's peak memory. A young-generation collection every few MiB frees
 * them sooner, for a millisecond or so each time. V8 offers it to code only with --expose-gc,
 * which the runner's `node` is not started with, so the flag is set here, once, before it is used.
 */
import * as v8 from 'node:v8'
import * as vm from 'node:vm'

type Collect = (options: { type: 'minor' | 'major' }) => void

/** How many bytes may pass between two collections. */
export const COLLECT_EVERY_BYTES = 16 * 2 ** 20

let collect: Collect | undefined | null = null

function collector(): Collect | undefined {
  if (collect === null) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = vm.runInNewContext('gc') as Collect
    } catch {
      collect = undefined
    }
  }
  return collect
}

/** Counts bytes that passed and collects the young generation every COLLECT_EVERY_BYTES. */
export class BufferReleaser {
  private pending = 0

  passed(bytes: number): void {
    this.pending += bytes
    if (this.pending < COLLECT_EVERY_BYTES) return
    this.pending = 0
    collector()?.({ type: 'minor' })
  }
}
