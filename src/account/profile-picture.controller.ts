import { Body, Controller, Put, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthContext } from '../common/auth-context.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import { decodeImageDataUri, IMAGE_DATA_URI_MESSAGE } from '../media/image-validator.js';
import { readMultipartFile } from '../media/multipart-file-reader.js';
import { ApiPictureStore, IMAGE_PROBLEMS, IMAGE_REFUSED } from '../media/picture-responses.openapi.js';
import { ProfilePictureService } from './profile-picture.service.js';

/** Both ways to set the profile picture; they differ only in how the bytes arrive. */
@Controller()
@ApiTags('Profile pictures')
@ApiSession()
@ApiOkResponse({ type: UserResponseDto, description: 'The user, with the new `profilePic` URL.' })
@ApiPictureStore('the profile is unchanged')
export class ProfilePictureController {
  constructor(private readonly pictures: ProfilePictureService) {}

  /** Sets the profile picture from a base64 data URI (what the reference frontend sends). */
  @Put('auth/update-profile')
  @ApiError(400, IMAGE_REFUSED, IMAGE_DATA_URI_MESSAGE, ...IMAGE_PROBLEMS)
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
  @ApiError(400, IMAGE_REFUSED, 'The form field "file" with the image is missing', ...IMAGE_PROBLEMS)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'PNG, JPEG, WebP or GIF; stored as WebP, at most 512 px.',
        },
      },
    },
  })
  @ApiError(415, 'The body is not multipart/form-data.', 'Content-Type must be multipart/form-data')
  async uploadAvatar(@CurrentAuth() auth: AuthContext, @Req() req: Request): Promise<UserResponseDto> {
    const bytes = await readMultipartFile(req, 'file', this.pictures.maxBytes);
    return toUserResponse(await this.pictures.replace(auth.user._id, bytes));
  }
}
