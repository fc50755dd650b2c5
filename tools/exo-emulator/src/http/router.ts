/**
 * A small router over {@link Route}s: method plus a path with `:name` segments, matched case-insensitively as IIS
 * does for Exchange Online's paths. Parameters keep the request's spelling and are percent-decoded.
 */
import type { Route } from '../types.js';

/** A route that matched, with its decoded parameters. */
export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

/** The result of looking a request up: a match, a path that exists under other methods (405), or nothing (404). */
export type RouteLookup = { readonly kind: 'match'; readonly match: RouteMatch } | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] } | { readonly kind: 'not-found' };

/** Looks requests up in a fixed set of routes. */
export interface Router {
  lookup(method: string, pathname: string): RouteLookup;
}

interface CompiledRoute {
  readonly route: Route;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles `/a/:b/c` into a case-insensitive, anchored pattern; a trailing slash on the request is tolerated. */
function compile(route: Route): CompiledRoute {
  if (!route.path.startsWith('/')) throw new Error(`Route path '${route.path}' must start with '/'.`);
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        const name = segment.slice(1);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Route path '${route.path}' has a bad parameter name '${segment}'.`);
        if (names.includes(name)) throw new Error(`Route path '${route.path}' repeats the parameter '${name}'.`);
        names.push(name);
        return '([^/]+)';
      }
      return escapeRegExp(segment);
    })
    .join('/');
  return { route, method: route.method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names };
}

/** Builds a router; routes are tried in order, so list specific paths before parameterised ones. */
export function createRouter(routes: readonly Route[]): Router {
  const compiled = routes.map(compile);
  return {
    lookup(method, pathname) {
      const upper = method.toUpperCase();
      const allow = new Set<string>();
      for (const entry of compiled) {
        const found = entry.pattern.exec(pathname);
        if (!found) continue;
        if (entry.method !== upper && !(upper === 'HEAD' && entry.method === 'GET')) {
          allow.add(entry.method);
          continue;
        }
        const params: Record<string, string> = {};
        let decodable = true;
        entry.names.forEach((name, index) => {
          const raw = found[index + 1] ?? '';
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            decodable = false;
          }
        });
        if (!decodable) continue;
        return { kind: 'match', match: { route: entry.route, params } };
      }
      return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
    },
  };
}
