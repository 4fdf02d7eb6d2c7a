/**
 * Compile-time checks that two descriptions of one shape agree (a zod schema and a plain
 * interface): `conforms<Schema output, Interface>()` fails to compile unless every value the
 * schema accepts is a valid Interface and both name the same keys.
 */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;

export type Conforms<Output, Interface> = Output extends Interface ? SameKeys<Output, Interface> : false;

/** Call with `conforms<z.output<typeof Schema>, Interface>()`; a no-op at runtime. */
export function conforms<Output, Interface>(..._check: Conforms<Output, Interface> extends true ? [] : [never]): void {}
