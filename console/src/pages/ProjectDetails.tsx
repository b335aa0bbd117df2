import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tabs from '@cloudscape-design/components/tabs';
import type { Notify } from '../App';
import type { Clients } from '../clients';
import { ModelsList } from '../models/ModelsList';
import { navigate } from '../router';
import { DatasetsView } from './datasets/DatasetsView';

export function ProjectDetailsPage({ clients, projectName, tab, notify }: { clients: Clients; projectName: string; tab: string; notify: Notify }) {
  return (
    <SpaceBetween size="l">
      <Header variant="h1">{projectName}</Header>
      <Tabs
        activeTabId={tab === 'models' ? 'models' : 'dataset'}
        onChange={({ detail }) => navigate({ page: 'project', projectName, tab: detail.activeTabId })}
        tabs={[
          { id: 'dataset', label: 'Dataset', content: <DatasetsView clients={clients} projectName={projectName} notify={notify} /> },
          { id: 'models', label: 'Models', content: <ModelsList clients={clients} projectName={projectName} notify={notify} /> },
        ]}
      />
    </SpaceBetween>
  );
}
