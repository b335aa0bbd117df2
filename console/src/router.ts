import { useEffect, useState } from 'react';

/** Pages live in the URL fragment (#/projects/cookies), so the server serves one index.html for all. */
export type Route =
  | { page: 'projects' }
  | { page: 'project'; projectName: string; tab: string }
  | { page: 'model'; projectName: string; modelVersion: string }
  | { page: 'dashboard' }
  | { page: 'keys' };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((p) => decodeURIComponent(p));
  if (parts[0] === 'projects' && parts[1] && parts[2] === 'models' && parts[3]) return { page: 'model', projectName: parts[1], modelVersion: parts[3] };
  if (parts[0] === 'projects' && parts[1]) return { page: 'project', projectName: parts[1], tab: parts[2] || 'dataset' };
  if (parts[0] === 'dashboard') return { page: 'dashboard' };
  if (parts[0] === 'keys') return { page: 'keys' };
  return { page: 'projects' };
}

export function href(route: Route): string {
  if (route.page === 'project') return `#/projects/${encodeURIComponent(route.projectName)}/${route.tab}`;
  if (route.page === 'model') return `#/projects/${encodeURIComponent(route.projectName)}/models/${encodeURIComponent(route.modelVersion)}`;
  if (route.page === 'dashboard') return '#/dashboard';
  if (route.page === 'keys') return '#/keys';
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
