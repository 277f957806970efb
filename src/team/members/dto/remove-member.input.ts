import { InputType } from '@nestjs/graphql';
import { ProjectMemberInput } from '../../../access/dto/project-member.input';

@InputType()
export class RemoveMemberInput extends ProjectMemberInput {}
