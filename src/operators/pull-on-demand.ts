import { Observable } from 'rxjs'

/**
 * An Observable over an async iterable that pulls one item per credit: the
 * first `initial` items straight away, then one more each time `credit$`
 * emits. This is the pipeline's backpressure: the reader is asked for the
 * next batch only when a slot frees up downstream. Unsubscribing calls the
 * iterator's `return()`, which stops the reader.
 *
 * @example
 * const credit = new Subject<void>()
 * pullOnDemand(batches, 4, credit).pipe(mergeMap(work, 4), tap(() => credit.next()))
 */
export function pullOnDemand<T>(iterable: AsyncIterable<T>, initial: number, credit$: Observable<void>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]()
    let credits = initial
    let pulling = false
    let finished = false
    const pump = async (): Promise<void> => {
      if (pulling) return
      pulling = true
      try {
        while (credits > 0 && !finished && !subscriber.closed) {
          credits--
          const step = await iterator.next()
          if (subscriber.closed) break
          if (step.done) {
            finished = true
            subscriber.complete()
          } else {
            subscriber.next(step.value)
          }
        }
      } catch (error) {
        finished = true
        subscriber.error(error)
      } finally {
        pulling = false
      }
    }
    const creditSubscription = credit$.subscribe(() => {
      credits++
      void pump()
    })
    void pump()
    return () => {
      creditSubscription.unsubscribe()
      if (!finished) {
        finished = true
        void Promise.resolve(iterator.return?.()).catch(() => {})
      }
    }
  })
}
