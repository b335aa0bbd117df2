import { Type } from '@sinclair/typebox';
import type { ModelPackagingJobRecord } from '../../store/modelPackagingRecords.js';
import {
  ClientToken,
  CompilerOptions,
  ComponentDescription,
  ComponentName,
  ComponentVersion,
  inPath,
  MaxResults,
  ModelPackagingJobDescription,
  ModelPackagingJobName,
  ModelVersion,
  NextToken,
  ProjectName,
  S3BucketName,
  S3KeyPrefix,
  TagList,
  TargetDevice,
  TargetPlatform,
} from './members.js';
import { operation } from './operation.js';
import { epochSeconds } from './requestInput.js';

const JOBS = '/projects/:projectName/modelpackagingjobs';
const S3_OUTPUT_LOCATION = 'S3OutputLocation is required: {"Bucket", "Prefix"?}.';

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

/** GreengrassConfiguration: the shapes of its members; how they combine is ModelPackaging's rule. */
const GreengrassConfiguration = () =>
  Type.Object(
    {
      CompilerOptions: Type.Optional(CompilerOptions({ message: 'CompilerOptions must be a JSON string of 3 to 1024 characters.' })),
      TargetDevice: Type.Optional(TargetDevice()),
      TargetPlatform: Type.Optional(TargetPlatform()),
      S3OutputLocation: Type.Object(
        { Bucket: S3BucketName(), Prefix: Type.Optional(S3KeyPrefix({ message: 'S3OutputLocation.Prefix is not a valid key prefix.' })) },
        { missingMessage: S3_OUTPUT_LOCATION },
      ),
      ComponentName: ComponentName(),
      ComponentVersion: Type.Optional(ComponentVersion()),
      ComponentDescription: Type.Optional(ComponentDescription()),
      Tags: Type.Optional(TagList('Tags must be a list of {Key, Value}.')),
    },
    { missingMessage: 'Configuration.Greengrass is required.' },
  );

export const startModelPackagingJob = operation({
  name: 'StartModelPackagingJob',
  method: 'POST',
  path: JOBS,
  status: 200,
  input: Type.Object({
    ProjectName: ProjectName(inPath('projectName')),
    // In the JSON body here (no path binding).
    ModelVersion: ModelVersion({ missingMessage: 'ModelVersion is required.' }),
    JobName: Type.Optional(ModelPackagingJobName()),
    Configuration: Type.Object({ Greengrass: GreengrassConfiguration() }, { missingMessage: 'Configuration is required: {"Greengrass": {…}}.' }),
    Description: Type.Optional(ModelPackagingJobDescription()),
    ClientToken: ClientToken(),
  }),
  async handle(input, { packaging }) {
    const result = await packaging.start({
      projectName: input.ProjectName,
      modelVersion: input.ModelVersion,
      jobName: input.JobName,
      configuration: input.Configuration.Greengrass,
      description: input.Description,
      clientToken: input.ClientToken,
    });
    return { JobName: result.jobName };
  },
});

export const describeModelPackagingJob = operation({
  name: 'DescribeModelPackagingJob',
  method: 'GET',
  path: `${JOBS}/:jobName`,
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')), JobName: ModelPackagingJobName(inPath('jobName')) }),
  async handle(input, { packaging }) {
    const job = await packaging.describe({ projectName: input.ProjectName, jobName: input.JobName });
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
});

export const listModelPackagingJobs = operation({
  name: 'ListModelPackagingJobs',
  method: 'GET',
  path: JOBS,
  status: 200,
  input: Type.Object({ ProjectName: ProjectName(inPath('projectName')), NextToken: NextToken(), MaxResults: MaxResults() }),
  async handle(input, { packaging }) {
    const page = await packaging.list({ projectName: input.ProjectName, maxResults: input.MaxResults, nextToken: input.NextToken });
    return { ModelPackagingJobs: page.jobs.map(jobMetadataJson), NextToken: page.nextToken };
  },
});
