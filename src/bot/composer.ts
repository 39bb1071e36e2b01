// The composer the bot's features register their handlers on: grammY's own, with a cheaper way
// past the handlers an update does not match.
import { Composer, type Context, type Middleware } from "grammy";

/**
 * grammY runs each filter (`on`, `command`, `callbackQuery`, `hears`...) through `branch` and
 * `lazy`: for every update and every handler it passes, a new Composer, three async functions and
 * an await on the predicate. An update reaching the menu passes some fifteen of them, about a
 * tenth of the bot's own CPU time per update without the HTTP calls (BENCHMARKS.md). Here a
 * filter is one function: the predicate, then the handlers or `next`. Same order, same
 * semantics (an async predicate is awaited; handlers added to the returned composer later run too).
 */
export class FeatureComposer<C extends Context> extends Composer<C> {
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
    const matched = new Composer<C>(...middleware);
    this.use((ctx, next) => {
      const hit = predicate(ctx);
      if (hit instanceof Promise) return hit.then((h) => (h ? matched.middleware()(ctx, next) : next()));
      return hit ? matched.middleware()(ctx, next) : next();
    });
    return matched;
  }
}
