import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DeploymentEnvironment, type DeploymentRecord } from '../deployment.schema';

registerEnumType(DeploymentEnvironment, { name: 'DeploymentEnvironment' });

@ObjectType()
export class Deployment {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field(() => ID)
  buildId!: string;

  @Field(() => DeploymentEnvironment)
  environment!: DeploymentEnvironment;

  @Field()
  branch!: string;

  @Field(() => String, { nullable: true })
  commitSha!: string | null;

  @Field({ description: 'SHA-256 over every file path and content, in path order.' })
  checksum!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => Int)
  fileCount!: number;

  @Field({ description: 'Where the deployment is served: /d/<id>/' })
  url!: string;

  @Field({ description: "Whether it is the project's production deployment now." })
  isProduction!: boolean;

  @Field()
  createdAt!: Date;

  static from(record: DeploymentRecord, productionId: string | null): Deployment {
    const id = record._id.toHexString();
    return Object.assign(new Deployment(), {
      id,
      projectId: record.projectId.toHexString(),
      buildId: record.buildId.toHexString(),
      environment: record.environment,
      branch: record.branch,
      commitSha: record.commitSha,
      checksum: record.checksum,
      sizeBytes: record.sizeBytes,
      fileCount: record.fileCount,
      url: `/d/${id}/`,
      isProduction: productionId === id,
      createdAt: record.createdAt,
    });
  }
}
