import { paginateListProjects } from '@aws-sdk/client-lookoutvision';
import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import LineChart from '@cloudscape-design/components/line-chart';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { href } from '../router';
import { parsePrometheusText, perProject } from './prometheusText';
import { signedGet } from './signedFetch';

/** Vigil's Prometheus endpoint (src/server/metricsEndpoint.ts). */
const METRICS_PATH = '/_vigil/metrics';
/** How often the page samples the counters while it is open. */
const SAMPLE_MS = 10_000;

interface Reading {
  at: Date;
  processed: Map<string, number>;
  anomalies: Map<string, number>;
}

/**
 * Images processed and anomalies found, overall and per project, from Vigil's metrics (the counters of
 * DetectAnomalies since the server started). The server keeps no history: the chart over time is drawn
 * from the readings this page takes while it is open.
 */
export function DashboardPage({ clients, notify }: { clients: Clients; notify: Notify }) {
  const [projects, setProjects] = useState<string[] | undefined>();
  const [readings, setReadings] = useState<Reading[]>([]);

  const read = useCallback(async () => {
    try {
      const samples = parsePrometheusText(await signedGet(clients, METRICS_PATH));
      const reading = { at: new Date(), processed: perProject(samples, 'vigil_processed_images_total'), anomalies: perProject(samples, 'vigil_detected_anomalies_total') };
      setReadings((r) => [...r.slice(-359), reading]);
    } catch (e) {
      notify('error', `Could not read the metrics. ${errorText(e)}`);
    }
  }, [clients, notify]);
  useEffect(() => {
    const names: string[] = [];
    (async () => {
      for await (const page of paginateListProjects({ client: clients.lookoutVision }, {})) names.push(...(page.Projects ?? []).map((p) => p.ProjectName!));
      setProjects(names.sort());
    })().catch((e: unknown) => notify('error', `Could not list projects. ${errorText(e)}`));
  }, [clients, notify]);
  useEffect(() => {
    void read();
    const timer = setInterval(() => void read(), SAMPLE_MS);
    return () => clearInterval(timer);
  }, [read]);

  const last = readings.at(-1);
  const names = [...new Set([...(projects ?? []), ...(last ? last.processed.keys() : [])])].sort();
  const total = (m?: Map<string, number>) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);
  const processed = total(last?.processed);
  const anomalies = total(last?.anomalies);
  const rows = names.map((name) => ({ name, processed: last?.processed.get(name) ?? 0, anomalies: last?.anomalies.get(name) ?? 0 }));
  const figure = (label: string, value: string, testId: string) => (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <div data-testid={testId}>
        <Box variant="awsui-value-large">{value}</Box>
      </div>
    </div>
  );

  return (
    <SpaceBetween size="l">
      <Header variant="h1" description="DetectAnomalies since Vigil started" actions={<Button iconName="refresh" ariaLabel="Refresh dashboard" onClick={() => void read()} />}>
        Dashboard
      </Header>
      <Container header={<Header variant="h2">Overview</Header>}>
        <ColumnLayout columns={4} variant="text-grid">
          {figure('Projects', projects ? String(projects.length) : '-', 'dashboard-projects')}
          {figure('Images processed', last ? String(processed) : '-', 'dashboard-processed')}
          {figure('Anomalies found', last ? String(anomalies) : '-', 'dashboard-anomalies')}
          {figure('Anomaly ratio', processed ? `${((anomalies / processed) * 100).toFixed(1)} %` : '-', 'dashboard-ratio')}
        </ColumnLayout>
      </Container>
      <Container header={<Header variant="h2">Per project</Header>}>
        <BarChart
          series={[
            { title: 'Images processed', type: 'bar', data: rows.map((r) => ({ x: r.name, y: r.processed })) },
            { title: 'Anomalies found', type: 'bar', data: rows.map((r) => ({ x: r.name, y: r.anomalies })) },
          ]}
          xScaleType="categorical"
          xTitle="Project"
          yTitle="Images"
          height={220}
          ariaLabel="Images processed and anomalies found per project"
          empty={<Box textAlign="center">No projects yet.</Box>}
          hideFilter
        />
      </Container>
      <Container
        header={
          <Header variant="h2" description={`Sampled every ${SAMPLE_MS / 1000} seconds while this page is open.`}>
            Images processed over time
          </Header>
        }
      >
        <LineChart
          series={names.map((name) => ({ title: name, type: 'line' as const, data: readings.map((r) => ({ x: r.at, y: r.processed.get(name) ?? 0 })) }))}
          xScaleType="time"
          xTitle="Time"
          yTitle="Images processed"
          height={220}
          ariaLabel="Images processed per project over time"
          empty={<Box textAlign="center">No readings yet.</Box>}
          hideFilter
        />
      </Container>
      <Table
        header={<Header variant="h2">Projects</Header>}
        items={rows}
        trackBy="name"
        columnDefinitions={[
          { id: 'name', header: 'Project', cell: (r) => <a href={href({ page: 'project', projectName: r.name, tab: 'models' })}>{r.name}</a> },
          { id: 'processed', header: 'Images processed', cell: (r) => r.processed },
          { id: 'anomalies', header: 'Anomalies found', cell: (r) => r.anomalies },
          { id: 'ratio', header: 'Anomaly ratio', cell: (r) => (r.processed ? `${((r.anomalies / r.processed) * 100).toFixed(1)} %` : '-') },
        ]}
        empty={<Box textAlign="center">No projects yet.</Box>}
      />
    </SpaceBetween>
  );
}
