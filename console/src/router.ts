import { useEffect, useState } from 'react';

/** Pages live in the URL fragment (#/projects/cookies), so the server serves one index.html for all. */
export type Route = { page: 'projects' } | { page: 'project'; projectName: string; tab: string };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((p) => decodeURIComponent(p));
  if (parts[0] === 'projects' && parts[1]) return { page: 'project', projectName: parts[1], tab: parts[2] || 'dataset' };
  return { page: 'projects' };
}

export function href(route: Route): string {
  if (route.page === 'project') return `#/projects/${encodeURIComponent(route.projectName)}/${route.tab}`;
  return '#/projects';
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}
