import { Observable, type OperatorFunction } from 'rxjs'

/**
 * Re-emit values in sequence order: values arrive in any order, each with a
 * distinct index 0, 1, 2, …, and leave strictly in index order. At most as
 * many values are held as are out of order (bounded upstream by the number
 * of batches in flight).
 */
export function reorderByIndex<T>(indexOf: (value: T) => number, first = 0): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const held = new Map<number, T>()
      let next = first
      return source.subscribe({
        next(value) {
          held.set(indexOf(value), value)
          for (let v = held.get(next); v !== undefined; v = held.get(next)) {
            held.delete(next)
            next++
            subscriber.next(v)
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete() {
          if (held.size > 0) subscriber.error(new Error(`reorderByIndex: missing index ${next} with ${held.size} later values held`))
          else subscriber.complete()
        },
      })
    })
}
