import { Body, Controller, Put, Req } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiGatewayTimeoutResponse,
  ApiOkResponse,
  ApiTags,
  ApiPayloadTooLargeResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthContext } from '../auth/auth-context.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import { decodeImageDataUri } from './image-validator.js';
import { readMultipartFile } from './multipart-file-reader.js';
import { ProfilePictureService } from './profile-picture.service.js';

/** Both ways to set the profile picture; they differ only in how the bytes arrive. */
@Controller()
@ApiTags('Profile pictures')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@ApiOkResponse({ type: UserResponseDto, description: 'The user, with the new `profilePic` URL.' })
@ApiBadRequestResponse({
  description: 'Not a PNG, JPEG, WebP or GIF image (checked on the bytes), or over 4096 × 4096 pixels.',
})
@ApiUnauthorizedResponse({ description: 'No valid session.' })
@ApiPayloadTooLargeResponse({ description: 'The image is over MEDIA_MAX_BYTES (default 5 MB).' })
@ApiBadGatewayResponse({ description: 'The picture store failed; the profile is unchanged.' })
@ApiGatewayTimeoutResponse({
  description: 'The picture store did not answer within UPLOAD_TIMEOUT_MS; the profile is unchanged.',
})
export class ProfilePictureController {
  constructor(private readonly pictures: ProfilePictureService) {}

  /** Sets the profile picture from a base64 data URI (what the reference frontend sends). */
  @Put('auth/update-profile')
  async updateProfile(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: UpdateProfileDto,
  ): Promise<UserResponseDto> {
    const bytes = decodeImageDataUri(dto.profilePic, this.pictures.maxBytes);
    return toUserResponse(await this.pictures.replace(auth.user._id, bytes));
  }

  /** Sets the profile picture from a multipart upload, read as a stream (no base64 on the way). */
  @Put('users/me/avatar')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'PNG, JPEG, WebP or GIF.' } },
    },
  })
  @ApiUnsupportedMediaTypeResponse({ description: 'The body is not multipart/form-data.' })
  async uploadAvatar(@CurrentAuth() auth: AuthContext, @Req() req: Request): Promise<UserResponseDto> {
    const bytes = await readMultipartFile(req, 'file', this.pictures.maxBytes);
    return toUserResponse(await this.pictures.replace(auth.user._id, bytes));
  }
}
