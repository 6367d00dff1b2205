/**
 * Expected failures inside domains are values, not throws (house style rule 5). A service returns
 * `ok(value)` or `err(failure)`; routes map failures to the HTTP error envelope.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });
