namespace Strata.Training;
