// Types for comlink's Node adapter, which ships without a declaration file.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink'
  interface NodeEndpointLike {
    postMessage(message: unknown, transfer?: readonly unknown[]): void
    on(type: 'message', listener: (data: unknown) => void): unknown
    off(type: 'message', listener: (data: unknown) => void): unknown
    start?: () => void
  }
  export default function nodeEndpoint(nep: NodeEndpointLike): Endpoint
}
