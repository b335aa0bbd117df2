import {
  CreateProjectCommand,
  DeleteDatasetCommand,
  DeleteModelCommand,
  DeleteProjectCommand,
  DescribeProjectCommand,
  ListModelsCommand,
  type ProjectMetadata,
  paginateListProjects,
} from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { href } from '../router';

const PROJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

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

function CreateProjectModal({ clients, onClose }: { clients: Clients; onClose(created?: string): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const invalid = name !== '' && (!PROJECT_NAME.test(name) || name.length > 255);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await clients.lookoutVision.send(new CreateProjectCommand({ ProjectName: name }));
      onClose(name);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={() => onClose()}
      header="Create project"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} disabled={name === '' || invalid} onClick={() => void create()} data-testid="create-project-submit">
              Create project
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (name !== '' && !invalid) void create();
        }}
      >
        <FormField
          label="Project name"
          constraintText="1 to 255 characters: letters, digits, hyphens and underscores; it starts with a letter or digit."
          errorText={error ?? (invalid ? 'The name has a character that is not allowed.' : undefined)}
        >
          <Input value={name} onChange={({ detail }) => setName(detail.value)} autoFocus name="projectName" />
        </FormField>
      </form>
    </Modal>
  );
}

/** Type-to-confirm deletion, as the Lookout for Vision console had it; the project's models and datasets go with it. */
function DeleteProjectModal({ clients, project, onClose }: { clients: Clients; project: ProjectMetadata; onClose(deleted?: string): void }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const name = project.ProjectName!;

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const lfv = clients.lookoutVision;
      const models = (await lfv.send(new ListModelsCommand({ ProjectName: name }))).Models ?? [];
      for (const model of models) await lfv.send(new DeleteModelCommand({ ProjectName: name, ModelVersion: model.ModelVersion! }));
      const datasets = (await lfv.send(new DescribeProjectCommand({ ProjectName: name }))).ProjectDescription?.Datasets ?? [];
      for (const dataset of datasets) await lfv.send(new DeleteDatasetCommand({ ProjectName: name, DatasetType: dataset.DatasetType! }));
      await lfv.send(new DeleteProjectCommand({ ProjectName: name }));
      onClose(name);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={() => onClose()}
      header={`Delete ${name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} disabled={typed !== 'delete'} onClick={() => void remove()} data-testid="delete-project-submit">
              Delete
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          Deleting <b>{name}</b> deletes its datasets and models for good. Models that are hosted must be stopped first.
        </Box>
        <FormField label="To confirm, type delete in the field." errorText={error}>
          <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} placeholder="delete" ariaLabel="Type delete to confirm" name="confirmDelete" />
        </FormField>
      </SpaceBetween>
    </Modal>
  );
}
