import type { IdentityResponseDto } from './dto/identity-response.dto.js';
import type { IdentityRecord } from './identities.service.js';

/** The only way an identity leaves the API: which provider, the address it gave, since when. */
export function toIdentityResponse(identity: IdentityRecord): IdentityResponseDto {
  return { provider: identity.provider, email: identity.email, linkedAt: identity.linkedAt };
}
