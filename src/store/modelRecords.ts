/** Records of model versions. */

export interface ModelRecord {
  projectName: string;
  version: number;
  arn: string;
  status: string;
  createdAt: Date;
}

export interface ModelTag {
  key: string;
  value: string;
}

export interface ModelRepository {
  get(projectName: string, version: number): Promise<ModelRecord | undefined>;
  /** The model's tags in key order, or undefined when the model does not exist. */
  tagsOf(projectName: string, version: number): Promise<ModelTag[] | undefined>;
  /** Replaces the model's tags; false when the model does not exist (nothing changed). */
  setTags(projectName: string, version: number, tags: ModelTag[]): Promise<boolean>;
}
