import type { Route } from '../router';
import { FleetInstances } from './fleet-instances';
import { FleetList } from './fleet-list';

/** `#/fleet` and `#/fleet/{service}/{profiles}[?label=…]`. */
export function FleetPage({ route }: { route: Route }) {
  const [, service, profiles] = route.parts;
  return service && profiles ? (
    <FleetInstances
      service={service}
      profiles={profiles.split(',')}
      label={route.query.get('label') ?? undefined}
    />
  ) : (
    <FleetList />
  );
}
