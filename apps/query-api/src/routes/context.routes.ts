import { isIP } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Ec2ContextRepository, interfaceAddresses, type Pool } from '@lake/pg';
import { BadRequestError } from '../plugins/errors.plugin';
import { ErrorReply } from './common';

/** `aws ec2 describe-*` output for a large account is several MB. */
const BODY_LIMIT = 64 * 1024 * 1024;

const Str = Type.Optional(Type.String({ maxLength: 2048 }));
const Tags = Type.Optional(Type.Array(Type.Object({ Key: Str, Value: Str })));

/** The members we read; everything else in the document is accepted and stored as it is. */
const NetworkInterface = Type.Object({
  NetworkInterfaceId: Type.String({ pattern: '^eni-[0-9a-zA-Z]+$' }),
  OwnerId: Str,
  VpcId: Str,
  SubnetId: Str,
  AvailabilityZone: Str,
  InterfaceType: Str,
  Description: Str,
  Status: Str,
  PrivateIpAddress: Str,
  PrivateIpAddresses: Type.Optional(
    Type.Array(
      Type.Object({ PrivateIpAddress: Str, Association: Type.Optional(Type.Object({ PublicIp: Str })) }),
    ),
  ),
  Ipv6Addresses: Type.Optional(Type.Array(Type.Object({ Ipv6Address: Str }))),
  Association: Type.Optional(Type.Object({ PublicIp: Str })),
  Attachment: Type.Optional(Type.Object({ InstanceId: Str })),
  Groups: Type.Optional(Type.Array(Type.Object({ GroupId: Str, GroupName: Str }))),
  TagSet: Tags,
});

const SecurityGroup = Type.Object({
  GroupId: Type.String({ pattern: '^sg-[0-9a-zA-Z]+$' }),
  GroupName: Str,
  Description: Str,
  VpcId: Str,
  OwnerId: Str,
  Tags,
});

/**
 * EC2 context: the JSON that `aws ec2 describe-network-interfaces` / `describe-security-groups`
 * print, stored so that flow endpoints can group or label addresses (group_by=, label=).
 */
export const contextRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, opts) => {
  const repo = new Ec2ContextRepository(opts.pool);

  app.post(
    '/v1/context/network-interfaces',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['flows'],
        summary: 'Store the output of `aws ec2 describe-network-interfaces`',
        description:
          'Each ENI replaces what was stored for the same NetworkInterfaceId. Its private, public (Association) and IPv6 addresses get its labels: eni, instance (Attachment.InstanceId), security_group (its Groups), name_tag (TagSet Name).',
        body: Type.Object({ NetworkInterfaces: Type.Array(NetworkInterface, { minItems: 1 }) }),
        response: {
          200: Type.Object({ interfaces: Type.Integer(), addresses: Type.Integer() }),
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      req.body.NetworkInterfaces.forEach((n, i) => {
        for (const { address } of interfaceAddresses(n)) {
          if (isIP(address) === 0) {
            throw new BadRequestError(
              `NetworkInterfaces[${i}] (${n.NetworkInterfaceId}): ${JSON.stringify(address)} is not an IP address`,
            );
          }
        }
      });
      return repo.putNetworkInterfaces(req.body.NetworkInterfaces);
    },
  );

  app.post(
    '/v1/context/security-groups',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['flows'],
        summary: 'Store the output of `aws ec2 describe-security-groups`',
        description:
          'Each group replaces what was stored for the same GroupId; its Name tag (else GroupName) is the security_group label of ENIs in it.',
        body: Type.Object({ SecurityGroups: Type.Array(SecurityGroup, { minItems: 1 }) }),
        response: { 200: Type.Object({ groups: Type.Integer() }), 400: ErrorReply },
      },
    },
    async (req) => repo.putSecurityGroups(req.body.SecurityGroups),
  );
};
