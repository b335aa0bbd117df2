/** Model versions of projects (the training and hosting columns come with the model work) and their tags. */
export const modelsMigration = `
  CREATE TABLE models (
    project_name TEXT NOT NULL REFERENCES projects (name),
    version      INTEGER NOT NULL,
    arn          TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (project_name, version)
  ) STRICT;

  CREATE TABLE model_tags (
    project_name TEXT NOT NULL,
    version      INTEGER NOT NULL,
    tag_key      TEXT NOT NULL,
    tag_value    TEXT NOT NULL,
    PRIMARY KEY (project_name, version, tag_key),
    FOREIGN KEY (project_name, version) REFERENCES models (project_name, version) ON DELETE CASCADE
  ) STRICT;
`;
