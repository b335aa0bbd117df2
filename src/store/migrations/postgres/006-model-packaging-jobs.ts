/**
 * Model packaging jobs (StartModelPackagingJob): one row per job, named per project, removed with their
 * project. A Greengrass component name + version belongs to one job that has not failed.
 */
export const modelPackagingJobsMigration = `
  CREATE TABLE model_packaging_jobs (
    project_name      TEXT COLLATE "C" NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
    job_name          TEXT COLLATE "C" NOT NULL,
    model_version     INTEGER NOT NULL,
    model_arn         TEXT NOT NULL,
    description       TEXT,
    configuration     TEXT NOT NULL,
    component_name    TEXT NOT NULL,
    component_version TEXT NOT NULL,
    status            TEXT NOT NULL,
    status_message    TEXT,
    output            TEXT,
    attempts          INTEGER NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (project_name, job_name)
  );

  CREATE UNIQUE INDEX model_packaging_components ON model_packaging_jobs (component_name, component_version) WHERE status <> 'FAILED';
  CREATE INDEX model_packaging_jobs_status ON model_packaging_jobs (status);
`;
