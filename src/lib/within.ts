/**
 * `work`, or after `ms` whatever `onTimeout` gives (its value, or what it throws), whichever
 * comes first: for a caller that joined shared work it does not own and must not wait for
 * without end (on workerd, another request's I/O may never settle).
 */
export function within<V, T = never>(work: Promise<V>, ms: number, onTimeout: () => T): Promise<V | T> {
  let timer!: ReturnType<typeof setTimeout>;
  const expired = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
