import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { clientsFor } from './clients';
import { ConsoleBucketProvider } from './components/ConsoleBucketProvider';
import { DashboardPage } from './dashboard/DashboardPage';
import { KeysPage } from './kms/KeysPage';
import { ModelDetailsPage } from './models/ModelDetailsPage';
import { ProjectDetailsPage } from './pages/ProjectDetails';
import { ProjectsPage } from './pages/Projects';
import { SignInPage } from './pages/SignIn';
import { href, useRoute } from './router';
import { type Session, signOut, storedSession } from './session';

/** Notifications shown above the page content. */
export type Notify = (type: FlashbarProps.Type, content: string) => void;

export function App() {
  const [session, setSession] = useState<Session | undefined>(() => storedSession());
  const [notice, setNotice] = useState<string | undefined>();

  const end = useCallback((message?: string) => {
    signOut();
    setSession(undefined);
    setNotice(message);
  }, []);

  // The session ends at its expiration, even with the page left open.
  useEffect(() => {
    if (!session) return;
    const left = Date.parse(session.expiration) - Date.now();
    const timer = setTimeout(() => end('Your session expired. Sign in again.'), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [session, end]);

  if (!session) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return <SignedIn session={session} onSignOut={() => end('You signed out.')} />;
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const route = useRoute();
  const clients = useMemo(() => clientsFor(session), [session]);
  const [flash, setFlash] = useState<FlashbarProps.MessageDefinition[]>([]);
  const notify: Notify = useCallback((type, content) => {
    const id = `${Date.now()}-${Math.random()}`;
    setFlash((items) => [...items.slice(-2), { id, type, content, dismissible: true, dismissLabel: 'Dismiss', onDismiss: () => setFlash((all) => all.filter((i) => i.id !== id)) }]);
  }, []);
  const expires = new Date(session.expiration).toLocaleTimeString();

  const breadcrumbs = [
    { text: 'Vigil', href: '#/projects' },
    { text: 'Projects', href: '#/projects' },
  ];
  if (route.page === 'project' || route.page === 'model') breadcrumbs.push({ text: route.projectName, href: href({ page: 'project', projectName: route.projectName, tab: 'dataset' }) });
  if (route.page === 'model') breadcrumbs.push({ text: `Model ${route.modelVersion}`, href: href(route) });
  if (route.page === 'dashboard') breadcrumbs.splice(1, 1, { text: 'Dashboard', href: '#/dashboard' });
  if (route.page === 'keys') breadcrumbs.splice(1, 1, { text: 'Encryption keys', href: '#/keys' });

  return (
    <ConsoleBucketProvider clients={clients} notify={notify}>
      <div id="top-nav">
        <TopNavigation
          identity={{ href: '#/projects', title: 'Vigil' }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: session.signedInAs,
              description: `Session expires at ${expires}`,
              iconName: 'user-profile',
              items: [{ id: 'signout', text: 'Sign out' }],
              onItemClick: ({ detail }) => detail.id === 'signout' && onSignOut(),
            },
          ]}
          i18nStrings={{ overflowMenuTriggerText: 'More', overflowMenuTitleText: 'All' }}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide
        ariaLabels={{ navigation: 'Side navigation', navigationClose: 'Close side navigation', navigationToggle: 'Open side navigation', notifications: 'Notifications' }}
        breadcrumbs={<BreadcrumbGroup items={breadcrumbs} ariaLabel="Breadcrumbs" />}
        notifications={<Flashbar items={flash} />}
        navigation={
          <SideNavigation
            header={{ text: 'Lookout for Vision', href: '#/projects' }}
            activeHref={route.page === 'model' ? href({ page: 'project', projectName: route.projectName, tab: 'models' }) : href(route)}
            items={[
              { type: 'link', text: 'Dashboard', href: '#/dashboard' },
              { type: 'link', text: 'Projects', href: '#/projects' },
              { type: 'link', text: 'Encryption keys', href: '#/keys' },
              ...(route.page === 'project' || route.page === 'model'
                ? [
                    {
                      type: 'section' as const,
                      text: route.projectName,
                      items: [
                        { type: 'link' as const, text: 'Dataset', href: href({ page: 'project', projectName: route.projectName, tab: 'dataset' }) },
                        { type: 'link' as const, text: 'Models', href: href({ page: 'project', projectName: route.projectName, tab: 'models' }) },
                      ],
                    },
                  ]
                : []),
            ]}
          />
        }
        content={
          route.page === 'project' ? (
            <ProjectDetailsPage key={route.projectName} clients={clients} projectName={route.projectName} tab={route.tab} notify={notify} />
          ) : route.page === 'model' ? (
            <ModelDetailsPage key={`${route.projectName}/${route.modelVersion}`} clients={clients} projectName={route.projectName} modelVersion={route.modelVersion} notify={notify} />
          ) : route.page === 'dashboard' ? (
            <DashboardPage clients={clients} notify={notify} />
          ) : route.page === 'keys' ? (
            <KeysPage clients={clients} notify={notify} />
          ) : (
            <ProjectsPage clients={clients} notify={notify} />
          )
        }
      />
    </ConsoleBucketProvider>
  );
}
