// The composer the bot's middleware and features register on: grammY's own API, run from one flat
// list of layers instead of grammY's chain of nested composers.
import { Composer, type Context, type Middleware, type MiddlewareFn, type NextFunction } from "grammy";

/**
 * grammY's `use` wraps each layer in a new Composer and `concat`s it to the chain built so far, so
 * an update passing n layers runs some 3n async functions and closures just to get through; and
 * each filter (`on`, `command`, `callbackQuery`, `hears`...) goes through `branch` and `lazy`: a new
 * Composer, three async functions and an await on the predicate, for every update and every
 * handler it passes. An update reaching the menu passes some fifty of them (BENCHMARKS.md, "Bot
 * updates/s beside the echo bot").
 *
 * Here the layers are one array run by index: a layer is called with a `next` that runs the
 * following one; a filter is one layer (the predicate, then its handlers or `next`). Same order and
 * same semantics as grammY: layers run in the order they were added; a layer that does not call
 * `next` ends the chain; calling `next` twice rejects; an async predicate is awaited; the composer
 * `use` and `filter` return still takes handlers added later, and so does this one once installed
 * elsewhere. `add` installs plain middleware without the child composer `use` must return.
 */
export class FeatureComposer<C extends Context> extends Composer<C> {
  private readonly layers: Array<MiddlewareFn<C>> = [];
  /** Stable: a parent holds this function, and later `add`s/`use`s still reach it (the array grows). */
  private readonly run: MiddlewareFn<C> = (ctx, next) => this.layer(ctx, next, 0);

  constructor(...middleware: Array<Middleware<C>>) {
    super();
    this.add(...middleware);
  }

  override middleware(): MiddlewareFn<C> {
    return this.run;
  }

  /** Appends middleware to this composer's list, each as its own layer; returns this composer. */
  add(...middleware: Array<Middleware<C>>): this {
    for (const m of middleware) this.layers.push(asFunction(m));
    return this;
  }

  override use(...middleware: Array<Middleware<C>>): Composer<C> {
    const child = new FeatureComposer<C>(...middleware);
    this.layers.push(child.run);
    return child;
  }

  override filter<D extends C>(
    predicate: (ctx: C) => ctx is D,
    ...middleware: Array<Middleware<D>>
  ): Composer<D>;
  override filter(
    predicate: (ctx: C) => boolean | Promise<boolean>,
    ...middleware: Array<Middleware<C>>
  ): Composer<C>;
  override filter(
    predicate: (ctx: C) => boolean | Promise<boolean>,
    ...middleware: Array<Middleware<C>>
  ): Composer<C> {
    const matched = new FeatureComposer<C>(...middleware);
    const run = matched.run;
    this.layers.push((ctx, next) => {
      const hit = predicate(ctx);
      if (hit instanceof Promise) return hit.then((h) => (h ? run(ctx, next) : next()));
      return hit ? run(ctx, next) : next();
    });
    return matched;
  }

  /** Runs layer `i` with a `next` that runs layer i + 1, and the caller's `next` after the last. */
  private layer(ctx: C, next: NextFunction, i: number): Promise<void> {
    const layers = this.layers;
    if (i >= layers.length) return next();
    let called = false;
    try {
      // A layer that returns nothing (plain middleware may) resolves as grammY's async wrapper would.
      return Promise.resolve(
        (layers[i] as MiddlewareFn<C>)(ctx, () => {
          if (called) return Promise.reject(new Error("`next` already called before!"));
          called = true;
          return this.layer(ctx, next, i + 1);
        }),
      ) as Promise<void>;
    } catch (err) {
      // grammY runs each layer inside an async function: a synchronous throw is a rejection there too.
      return Promise.reject(err);
    }
  }
}

/**
 * A layer as a function. A FeatureComposer's runner is taken as it is; any other middleware object
 * (a grammY Composer replaces its handler on each `use`) is asked for its function on every call,
 * as grammY's own `flatten` does.
 */
function asFunction<C extends Context>(m: Middleware<C>): MiddlewareFn<C> {
  if (typeof m === "function") return m;
  if (m instanceof FeatureComposer) return m.middleware();
  return (ctx, next) => m.middleware()(ctx, next);
}
