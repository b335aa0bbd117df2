import type { AccessKeys } from '../service/accessKeys.js';
import type { Projects } from '../service/projects.js';

/** The use cases the protocol adapters call. */
export interface Services {
  accessKeys: AccessKeys;
  projects: Projects;
}
