import type { LookoutVisionOperation } from './operation.js';
import { epochSeconds, queryInteger, queryString } from './requestInput.js';

export const listProjects: LookoutVisionOperation = {
  name: 'ListProjects',
  method: 'GET',
  path: '/projects',
  status: 200,
  async handle(request, { projects }) {
    const page = await projects.list({ maxResults: queryInteger(request, 'maxResults'), nextToken: queryString(request, 'nextToken') });
    return {
      Projects: page.projects.map((p) => ({
        ProjectArn: p.projectArn,
        ProjectName: p.projectName,
        CreationTimestamp: epochSeconds(p.creationTimestamp),
      })),
      NextToken: page.nextToken,
    };
  },
};
