import { Writable } from 'node:stream'

/** A writable stream that keeps what is written, standing in for stdout/stderr in CLI tests. */
export function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  }) as unknown as NodeJS.WriteStream
  return { stream, text: () => text }
}
