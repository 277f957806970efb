import { InputType } from '@nestjs/graphql';
import { ProjectMemberInput } from '../../../access/dto/project-member.input';

@InputType({ description: 'The project, and the member who becomes its owner.' })
export class TransferOwnershipInput extends ProjectMemberInput {}
