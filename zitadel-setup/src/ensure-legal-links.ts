import type {
  GetPrivacyPolicyResponseJson,
  UpdatePrivacyPolicyRequestJson,
} from '@zitadel/proto/zitadel/admin_pb';
import type { ZitadelClient } from './zitadel-client';

/**
 * Login V2's registration form asks the user to accept the terms of service and the privacy
 * policy, and without links to them it offers no checkbox and so cannot be submitted
 * (zitadel/typescript#586). When the instance's privacy policy lacks either link, this fills in
 * the missing one and keeps every other setting; when both are set it only reads.
 */
export async function ensureLegalLinks(
  client: ZitadelClient,
  {
    tosLink,
    privacyLink,
    log,
  }: { tosLink: string; privacyLink: string; log: (line: string) => void },
): Promise<{ updated: boolean }> {
  const { policy = {} } = await client.get<GetPrivacyPolicyResponseJson>(
    '/admin/v1/policies/privacy',
  );
  if (policy.tosLink && policy.privacyLink) {
    log('legal links: the instance already has terms of service and privacy policy links');
    return { updated: false };
  }
  const fields = ['helpLink', 'supportEmail', 'docsLink', 'customLink', 'customLinkText'] as const;
  const update: UpdatePrivacyPolicyRequestJson = {
    tosLink: policy.tosLink || tosLink,
    privacyLink: policy.privacyLink || privacyLink,
  };
  for (const field of fields) if (policy[field] !== undefined) update[field] = policy[field];
  await client.put('/admin/v1/policies/privacy', update);
  log(
    `legal links: set terms of service ${update.tosLink} and privacy policy ${update.privacyLink}`,
  );
  return { updated: true };
}
