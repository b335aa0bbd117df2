import { type ProjectMetadata, paginateListProjects } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { href } from '../router';
import { CreateProjectModal } from './CreateProjectModal';
import { DeleteProjectModal } from './DeleteProjectModal';

export function ProjectsPage({ clients, notify }: { clients: Clients; notify: Notify }) {
  const [projects, setProjects] = useState<ProjectMetadata[]>([]);
  const [loading, setLoading] = useState(true);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<ProjectMetadata[]>([]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ProjectMetadata | undefined>();

  const load = useCallback(async () => {
    setLoading(true);
    try {
      const all: ProjectMetadata[] = [];
      for await (const page of paginateListProjects({ client: clients.lookoutVision }, {})) all.push(...(page.Projects ?? []));
      setProjects(all);
      setSelected((s) => s.filter((p) => all.some((a) => a.ProjectName === p.ProjectName)));
    } catch (e) {
      notify('error', `Could not list projects. ${errorText(e)}`);
    } finally {
      setLoading(false);
    }
  }, [clients, notify]);
  useEffect(() => void load(), [load]);

  const shown = projects.filter((p) => (p.ProjectName ?? '').toLowerCase().includes(filter.toLowerCase()));
  return (
    <>
      <Table
        variant="full-page"
        loading={loading}
        loadingText="Loading projects"
        items={shown}
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={({ detail }) => setSelected(detail.selectedItems)}
        trackBy="ProjectName"
        ariaLabels={{ itemSelectionLabel: (_s, item) => item.ProjectName ?? '', selectionGroupLabel: 'Projects', allItemsSelectionLabel: () => 'all' }}
        header={
          <Header
            variant="h1"
            counter={loading ? undefined : `(${projects.length})`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh" onClick={() => void load()} />
                <Button disabled={selected.length !== 1} onClick={() => setDeleting(selected[0])}>
                  Delete
                </Button>
                <Button variant="primary" onClick={() => setCreating(true)}>
                  Create project
                </Button>
              </SpaceBetween>
            }
          >
            Projects
          </Header>
        }
        filter={<TextFilter filteringText={filter} filteringPlaceholder="Find projects" filteringAriaLabel="Find projects" onChange={({ detail }) => setFilter(detail.filteringText)} />}
        columnDefinitions={[
          { id: 'name', header: 'Project name', cell: (p) => <Link href={href({ page: 'project', projectName: p.ProjectName!, tab: 'dataset' })}>{p.ProjectName}</Link>, sortingField: 'ProjectName' },
          { id: 'created', header: 'Creation date', cell: (p) => p.CreationTimestamp?.toLocaleString() ?? '-' },
          { id: 'arn', header: 'ARN', cell: (p) => p.ProjectArn },
        ]}
        empty={
          <Box textAlign="center" color="inherit" padding="l">
            <SpaceBetween size="s">
              <b>No projects</b>
              <Button onClick={() => setCreating(true)}>Create project</Button>
            </SpaceBetween>
          </Box>
        }
      />
      {creating && (
        <CreateProjectModal
          clients={clients}
          onClose={(created) => {
            setCreating(false);
            if (created) {
              notify('success', `Project ${created} created.`);
              void load();
            }
          }}
        />
      )}
      {deleting && (
        <DeleteProjectModal
          clients={clients}
          project={deleting}
          onClose={(deleted) => {
            setDeleting(undefined);
            if (deleted) {
              notify('success', `Project ${deleted} deleted.`);
              setSelected([]);
              void load();
            }
          }}
        />
      )}
    </>
  );
}
