import type pg from 'pg';
import { withTransaction } from './pool';

interface Tag {
  Key?: string;
  Value?: string;
}

/** The members of one `aws ec2 describe-network-interfaces` entry that we read (others are kept). */
export interface NetworkInterfaceDoc {
  NetworkInterfaceId: string;
  OwnerId?: string;
  VpcId?: string;
  SubnetId?: string;
  AvailabilityZone?: string;
  InterfaceType?: string;
  Description?: string;
  Status?: string;
  PrivateIpAddress?: string;
  PrivateIpAddresses?: { PrivateIpAddress?: string; Association?: { PublicIp?: string } }[];
  Ipv6Addresses?: { Ipv6Address?: string }[];
  Association?: { PublicIp?: string };
  Attachment?: { InstanceId?: string };
  Groups?: { GroupId?: string; GroupName?: string }[];
  TagSet?: Tag[];
}

/** The members of one `aws ec2 describe-security-groups` entry that we read (others are kept). */
export interface SecurityGroupDoc {
  GroupId: string;
  GroupName?: string;
  Description?: string;
  VpcId?: string;
  OwnerId?: string;
  Tags?: Tag[];
}

const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));

/** Every address of an ENI with its kind, without repeats. */
export function interfaceAddresses(n: NetworkInterfaceDoc): { address: string; kind: string }[] {
  const out = new Map<string, string>();
  const add = (address: string | undefined, kind: string) => {
    if (address && !out.has(address)) {
      out.set(address, kind);
    }
  };
  add(n.PrivateIpAddress, 'private');
  for (const p of n.PrivateIpAddresses ?? []) {
    add(p.PrivateIpAddress, 'private');
    add(p.Association?.PublicIp, 'public');
  }
  add(n.Association?.PublicIp, 'public');
  for (const a of n.Ipv6Addresses ?? []) {
    add(a.Ipv6Address, 'ipv6');
  }
  return [...out].map(([address, kind]) => ({ address, kind }));
}

/** Stores posted EC2 context; a document replaces what was stored for the same ENI / group. */
export class Ec2ContextRepository {
  constructor(private readonly pool: pg.Pool) {}

  async putNetworkInterfaces(
    list: readonly NetworkInterfaceDoc[],
  ): Promise<{ interfaces: number; addresses: number }> {
    let addresses = 0;
    await withTransaction(this.pool, async (client) => {
      for (const n of list) {
        const tags = tagsOf(n.TagSet);
        await client.query(
          `INSERT INTO context_network_interfaces (network_interface_id, owner_id, vpc_id, subnet_id,
             availability_zone, instance_id, interface_type, description, status, name_tag, tags, groups, document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (network_interface_id) DO UPDATE SET owner_id = excluded.owner_id,
             vpc_id = excluded.vpc_id, subnet_id = excluded.subnet_id,
             availability_zone = excluded.availability_zone, instance_id = excluded.instance_id,
             interface_type = excluded.interface_type, description = excluded.description,
             status = excluded.status, name_tag = excluded.name_tag, tags = excluded.tags,
             groups = excluded.groups, document = excluded.document, updated_at = now()`,
          [
            n.NetworkInterfaceId,
            n.OwnerId ?? null,
            n.VpcId ?? null,
            n.SubnetId ?? null,
            n.AvailabilityZone ?? null,
            n.Attachment?.InstanceId ?? null,
            n.InterfaceType ?? null,
            n.Description ?? null,
            n.Status ?? null,
            tags['Name'] ?? null,
            JSON.stringify(tags),
            JSON.stringify((n.Groups ?? []).map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }))),
            JSON.stringify(n),
          ],
        );
        await client.query('DELETE FROM context_interface_addresses WHERE network_interface_id = $1', [
          n.NetworkInterfaceId,
        ]);
        const addrs = interfaceAddresses(n);
        addresses += addrs.length;
        await client.query(
          `INSERT INTO context_interface_addresses (address, network_interface_id, kind)
           SELECT a, $2, k FROM unnest($1::inet[], $3::text[]) AS t(a, k)`,
          [addrs.map((a) => a.address), n.NetworkInterfaceId, addrs.map((a) => a.kind)],
        );
      }
    });
    return { interfaces: list.length, addresses };
  }

  async putSecurityGroups(list: readonly SecurityGroupDoc[]): Promise<{ groups: number }> {
    await withTransaction(this.pool, async (client) => {
      for (const g of list) {
        const tags = tagsOf(g.Tags);
        await client.query(
          `INSERT INTO context_security_groups (group_id, group_name, description, vpc_id, owner_id, name_tag, tags, document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (group_id) DO UPDATE SET group_name = excluded.group_name,
             description = excluded.description, vpc_id = excluded.vpc_id, owner_id = excluded.owner_id,
             name_tag = excluded.name_tag, tags = excluded.tags, document = excluded.document, updated_at = now()`,
          [
            g.GroupId,
            g.GroupName ?? null,
            g.Description ?? null,
            g.VpcId ?? null,
            g.OwnerId ?? null,
            tags['Name'] ?? null,
            JSON.stringify(tags),
            JSON.stringify(g),
          ],
        );
      }
    });
    return { groups: list.length };
  }
}
