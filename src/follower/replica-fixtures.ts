/** Replicated objects for the follower's unit tests. */
import { hashed, type HashedContent } from '../shared/federation/replicated-object.js';

/** A GlobalDeploymentPolicy replica in avi-system with this TTL. */
export function gdpReplica(name: string, ttl: number): HashedContent {
  return hashed({
    kind: 'GlobalDeploymentPolicy',
    namespace: 'avi-system',
    name,
    spec: { ttl },
    labels: {},
    annotations: {},
  });
}
