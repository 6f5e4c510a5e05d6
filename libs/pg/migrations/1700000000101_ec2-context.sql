-- Up Migration
-- EC2 context posted to the API (the JSON of `aws ec2 describe-network-interfaces` and
-- `describe-security-groups`), used to label or group flow addresses by ENI, instance, security
-- group or Name tag. A posted document replaces what was stored for the same ENI / group.
CREATE TABLE context_network_interfaces (
  network_interface_id text PRIMARY KEY,
  owner_id text,
  vpc_id text,
  subnet_id text,
  availability_zone text,
  instance_id text,
  interface_type text,
  description text,
  status text,
  name_tag text,
  tags jsonb NOT NULL DEFAULT '{}',
  -- [{GroupId, GroupName}] as describe-network-interfaces lists them
  groups jsonb NOT NULL DEFAULT '[]',
  document jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every address of an ENI: private IPv4s, their public (Elastic) IPs, IPv6 addresses.
CREATE TABLE context_interface_addresses (
  address inet NOT NULL,
  network_interface_id text NOT NULL REFERENCES context_network_interfaces ON DELETE CASCADE,
  kind text NOT NULL,
  PRIMARY KEY (address, network_interface_id)
);
CREATE INDEX context_interface_addresses_eni ON context_interface_addresses (network_interface_id);

CREATE TABLE context_security_groups (
  group_id text PRIMARY KEY,
  group_name text,
  description text,
  vpc_id text,
  owner_id text,
  name_tag text,
  tags jsonb NOT NULL DEFAULT '{}',
  document jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One set of labels per address (an address reused in two VPCs takes the most recently posted ENI).
-- security_group: the ENI's groups (their Name tag, else name, else id), sorted, comma-separated.
CREATE VIEW context_address_labels AS
SELECT DISTINCT ON (a.address)
       a.address,
       n.network_interface_id AS eni,
       n.instance_id AS instance,
       (SELECT string_agg(coalesce(sg.name_tag, g ->> 'GroupName', g ->> 'GroupId'), ','
                          ORDER BY coalesce(sg.name_tag, g ->> 'GroupName', g ->> 'GroupId'))
          FROM jsonb_array_elements(n.groups) g
          LEFT JOIN context_security_groups sg ON sg.group_id = g ->> 'GroupId') AS security_group,
       n.name_tag
  FROM context_interface_addresses a
  JOIN context_network_interfaces n USING (network_interface_id)
 ORDER BY a.address, n.updated_at DESC, n.network_interface_id;

-- Down Migration
DROP VIEW context_address_labels;
DROP TABLE context_security_groups;
DROP TABLE context_interface_addresses;
DROP TABLE context_network_interfaces;
