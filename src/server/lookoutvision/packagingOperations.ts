import type { ModelPackagingJobRecord } from '../../store/modelPackagingRecords.js';
import type { LookoutVisionOperation } from './operation.js';
import { clientToken, epochSeconds, jsonBody, pathLabel, queryInteger, queryString } from './requestInput.js';

const JOBS = '/projects/:projectName/modelpackagingjobs';

/** ModelPackagingJobMetadata. */
function jobMetadataJson(job: ModelPackagingJobRecord) {
  return {
    JobName: job.jobName,
    ProjectName: job.projectName,
    ModelVersion: String(job.modelVersion),
    ModelPackagingJobDescription: job.description,
    ModelPackagingMethod: 'Greengrass',
    Status: job.status,
    StatusMessage: job.statusMessage,
    CreationTimestamp: epochSeconds(job.createdAt),
    LastUpdatedTimestamp: epochSeconds(job.updatedAt),
  };
}

export const startModelPackagingJob: LookoutVisionOperation = {
  name: 'StartModelPackagingJob',
  method: 'POST',
  path: JOBS,
  status: 200,
  async handle(request, { packaging }) {
    const body = jsonBody(request);
    const result = await packaging.start({
      projectName: pathLabel(request, 'projectName'),
      modelVersion: body.ModelVersion,
      jobName: body.JobName,
      configuration: body.Configuration,
      description: body.Description,
      clientToken: clientToken(request),
    });
    return { JobName: result.jobName };
  },
};

export const describeModelPackagingJob: LookoutVisionOperation = {
  name: 'DescribeModelPackagingJob',
  method: 'GET',
  path: `${JOBS}/:jobName`,
  status: 200,
  async handle(request, { packaging }) {
    const job = await packaging.describe({ projectName: pathLabel(request, 'projectName'), jobName: pathLabel(request, 'jobName') });
    const { JobName, ProjectName, ModelVersion, ModelPackagingJobDescription, ModelPackagingMethod, Status, StatusMessage, CreationTimestamp, LastUpdatedTimestamp } = jobMetadataJson(job);
    return {
      ModelPackagingDescription: {
        JobName,
        ProjectName,
        ModelVersion,
        ModelPackagingConfiguration: { Greengrass: job.configuration },
        ModelPackagingJobDescription,
        ModelPackagingMethod,
        ModelPackagingOutputDetails: job.output && {
          Greengrass: { ComponentVersionArn: job.output.componentVersionArn, ComponentName: job.output.componentName, ComponentVersion: job.output.componentVersion },
        },
        Status,
        StatusMessage,
        CreationTimestamp,
        LastUpdatedTimestamp,
      },
    };
  },
};

export const listModelPackagingJobs: LookoutVisionOperation = {
  name: 'ListModelPackagingJobs',
  method: 'GET',
  path: JOBS,
  status: 200,
  async handle(request, { packaging }) {
    const page = await packaging.list({
      projectName: pathLabel(request, 'projectName'),
      maxResults: queryInteger(request, 'maxResults'),
      nextToken: queryString(request, 'nextToken'),
    });
    return { ModelPackagingJobs: page.jobs.map(jobMetadataJson), NextToken: page.nextToken };
  },
};
