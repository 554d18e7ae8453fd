// The stream operators on their own: ordering, pull-based backpressure, re-batching.
import { Subject, from, lastValueFrom, mergeMap, tap, toArray, timer, map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { pullOnDemand } from '../../src/operators/pull-on-demand.js'
import { rebatch } from '../../src/operators/rebatch.js'
import { reorderByIndex } from '../../src/operators/reorder-by-index.js'
import type { CatalogChunk } from '../../src/catalog/types.js'

describe('reorderByIndex', () => {
  it('emits values in index order whatever order they arrive in', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const source = cold('-c-a-d-b------e|', { a: 0, b: 1, c: 2, d: 3, e: 4 })
      expectObservable(source.pipe(reorderByIndex((v: number) => v))).toBe('---a---(bcd)--e|', { a: 0, b: 1, c: 2, d: 3, e: 4 })
    })
  })

  it('errors when the stream ends with a gap instead of silently dropping rows', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-c|', { a: 0, c: 2 }).pipe(reorderByIndex((v: number) => v))).toBe('-a--#', { a: 0 }, new Error('reorderByIndex: missing index 1 with 1 later values held'))
    })
  })
})

describe('pullOnDemand', () => {
  async function* counting(log: number[], n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      log.push(i)
      yield i
    }
  }

  it('reads only as far ahead as it has credits: a slow consumer slows the reader', async () => {
    const pulled: number[] = []
    const credit = new Subject<void>()
    const inFlightWhenPulled: number[] = []
    let inFlight = 0
    const done = await lastValueFrom(
      pullOnDemand(counting(pulled, 20), 3, credit).pipe(
        tap(() => inFlightWhenPulled.push(++inFlight)),
        mergeMap((v) => timer(5).pipe(map(() => v)), 3),
        tap(() => {
          inFlight--
          credit.next()
        }),
        toArray(),
      ),
    )
    expect(done.sort((a, b) => a - b)).toEqual([...Array(20).keys()])
    expect(Math.max(...inFlightWhenPulled)).toBe(3)
  })

  it('stops the reader when unsubscribed', async () => {
    const pulled: number[] = []
    let finished = false
    async function* reader(): AsyncGenerator<number> {
      try {
        yield* counting(pulled, 1000)
      } finally {
        finished = true
      }
    }
    const credit = new Subject<void>()
    const sub = pullOnDemand(reader(), 2, credit).subscribe(() => {})
    await new Promise((r) => setTimeout(r, 10))
    sub.unsubscribe()
    await new Promise((r) => setTimeout(r, 10))
    expect(pulled.length).toBe(2)
    expect(finished).toBe(true)
  })

  it('passes a reader error to the error channel', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1
      throw new Error('catalog x.parquet: row group 1 could not be read')
    }
    await expect(lastValueFrom(pullOnDemand(broken(), 5, new Subject<void>()).pipe(toArray()))).rejects.toThrow('row group 1')
  })
})

describe('rebatch', () => {
  it('cuts chunks of any size into batches of exactly n rows, keeping every row once and in order', async () => {
    const sizes = [5, 1, 17, 0, 3, 9]
    let start = 0
    const chunks: CatalogChunk[] = sizes.map((n) => {
      const chunk = { rowStart: start, numRows: n, columns: { id: Float64Array.from({ length: n }, (_, i) => start + i), name: Array.from({ length: n }, (_, i) => `o${start + i}`) } }
      start += n
      return chunk
    })
    const batches = await lastValueFrom(from(rebatch((async function* () { yield* chunks })(), 4)).pipe(toArray()))
    expect(batches.map((b) => b.numRows)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 3])
    expect(batches.map((b) => b.rowStart)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32])
    expect(batches.map((b) => b.batchIndex)).toEqual([...Array(9).keys()])
    expect(batches.flatMap((b) => Array.from(b.columns['id'] as Float64Array))).toEqual([...Array(35).keys()])
    expect(batches.flatMap((b) => b.columns['name'] as string[])).toEqual(Array.from({ length: 35 }, (_, i) => `o${i}`))
    expect(batches[0]!.columns['id']).toBeInstanceOf(Float64Array)
  })
})
